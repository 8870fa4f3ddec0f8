# arx_layer(NAME sources... [DEPS lower-layer...])
#
# Builds src/NAME as the static library arx_NAME. Its public include
# directory is build/layers/NAME, which holds a single link NAME -> src/NAME,
# so "#include "NAME/x.h"" resolves only for NAME itself and for libraries
# that link arx_NAME. Upward includes therefore fail to compile.
function(arx_layer name)
  cmake_parse_arguments(L "" "" "DEPS" ${ARGN})
  set(inc ${CMAKE_BINARY_DIR}/layers/${name})
  file(MAKE_DIRECTORY ${inc})
  if(NOT EXISTS ${inc}/${name})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/src/${name} ${inc}/${name} SYMBOLIC)
  endif()
  add_library(arx_${name} STATIC ${L_UNPARSED_ARGUMENTS})
  target_include_directories(arx_${name} PUBLIC ${inc})
  foreach(dep ${L_DEPS})
    target_link_libraries(arx_${name} PUBLIC arx_${dep})
  endforeach()
endfunction()

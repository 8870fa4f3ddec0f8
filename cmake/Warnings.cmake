# Compiler warnings for every target; -Werror when ARX_WERROR is on (CI).
add_compile_options(-Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith
  -Wstrict-prototypes -Wmissing-prototypes -Wvla
  -Werror=implicit-function-declaration)
if(ARX_WERROR)
  add_compile_options(-Werror)
endif()

# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[unit.core.err]=] "/work/main/build/bin/test_core_err")
set_tests_properties([=[unit.core.err]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;17;arx_unit;/work/main/tests/CMakeLists.txt;0;")
add_test([=[unit.core.log]=] "/work/main/build/bin/test_core_log")
set_tests_properties([=[unit.core.log]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;17;arx_unit;/work/main/tests/CMakeLists.txt;0;")
add_test([=[unit.core.buf]=] "/work/main/build/bin/test_core_buf")
set_tests_properties([=[unit.core.buf]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;17;arx_unit;/work/main/tests/CMakeLists.txt;0;")
add_test([=[unit.core.strparse]=] "/work/main/build/bin/test_core_strparse")
set_tests_properties([=[unit.core.strparse]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;17;arx_unit;/work/main/tests/CMakeLists.txt;0;")
add_test([=[unit.core.addr]=] "/work/main/build/bin/test_core_addr")
set_tests_properties([=[unit.core.addr]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;17;arx_unit;/work/main/tests/CMakeLists.txt;0;")
add_test([=[unit.core.arena]=] "/work/main/build/bin/test_core_arena")
set_tests_properties([=[unit.core.arena]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;17;arx_unit;/work/main/tests/CMakeLists.txt;0;")
add_test([=[unit.core.clock]=] "/work/main/build/bin/test_core_clock")
set_tests_properties([=[unit.core.clock]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;17;arx_unit;/work/main/tests/CMakeLists.txt;0;")
add_test([=[unit.core.evloop]=] "/work/main/build/bin/test_core_evloop")
set_tests_properties([=[unit.core.evloop]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;17;arx_unit;/work/main/tests/CMakeLists.txt;0;")
add_test([=[unit.config.xml]=] "/work/main/build/bin/test_config_xml")
set_tests_properties([=[unit.config.xml]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;20;arx_unit;/work/main/tests/CMakeLists.txt;0;")
add_test([=[unit.config.conf]=] "/work/main/build/bin/test_config_conf")
set_tests_properties([=[unit.config.conf]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;20;arx_unit;/work/main/tests/CMakeLists.txt;0;")
add_test([=[cli.arxd]=] "/root/.pyenv/shims/python3" "/work/main/tests/cli/test_cli.py" "--bin" "/work/main/build/bin" "--source" "/work/main")
set_tests_properties([=[cli.arxd]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;25;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[gate.format]=] "/work/main/scripts/check-format.sh")
set_tests_properties([=[gate.format]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;29;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[gate.layers]=] "/work/main/scripts/check-layers.sh" "/usr/bin/cc" "/work/main/build/layers")
set_tests_properties([=[gate.layers]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;30;add_test;/work/main/tests/CMakeLists.txt;0;")

# The launcher core: plain C, no Node headers.
file(GLOB FDA_LAUNCH_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(FILTER FDA_LAUNCH_SRC EXCLUDE REGEX "test_.*\\.c$")
add_library(fda_launch STATIC ${FDA_LAUNCH_SRC})
set_target_properties(fda_launch PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_options(fda_launch PRIVATE ${FDA_WARNINGS})
target_include_directories(fda_launch PUBLIC ${CMAKE_SOURCE_DIR}/native)

# Benchmark helpers: the C floor, the trivial program every scenario launches,
# and the fd counter the stress scenario launches.
include(CheckCSourceCompiles)
set(FDA_BENCH_DIR ${CMAKE_CURRENT_LIST_DIR})

add_executable(fdaudit-floor ${FDA_BENCH_DIR}/floor.c)
target_compile_options(fdaudit-floor PRIVATE ${FDA_WARNINGS})

add_executable(fdaudit-true ${FDA_BENCH_DIR}/true.c)
add_executable(fdaudit-fdcount ${FDA_BENCH_DIR}/fdcount.c)
target_compile_options(fdaudit-fdcount PRIVATE ${FDA_WARNINGS})

# Static when the C library allows it: no dynamic loader in the round trip.
if(NOT DEFINED FDA_BENCH_STATIC)
  set(CMAKE_REQUIRED_LINK_OPTIONS -static)
  check_c_source_compiles("int main(void) { return 0; }" FDA_BENCH_STATIC)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
endif()
if(FDA_BENCH_STATIC)
  target_link_options(fdaudit-true PRIVATE -static)
  target_link_options(fdaudit-fdcount PRIVATE -static)
else()
  message(STATUS "fdaudit-true: no static C library found, linking dynamically")
endif()

# The launcher's C core in the floor's loop: the core's cost without the binding.
add_executable(fdaudit-corebench ${FDA_BENCH_DIR}/core.c)
target_compile_options(fdaudit-corebench PRIVATE ${FDA_WARNINGS})
target_link_libraries(fdaudit-corebench PRIVATE fda_launch)

# `fdaudit bench` runs all four. The servers read rounds from stdin: at EOF they exit 0.
fda_user_part(fdaudit-true)
fda_user_part(fdaudit-fdcount CHECK --exit-zero)
fda_user_part(fdaudit-floor CHECK --serve -- {dir}/fdaudit-true)
fda_user_part(fdaudit-corebench CHECK --serve -- {dir}/fdaudit-true)

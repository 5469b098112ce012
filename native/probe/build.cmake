# The probe executable and the fd-description library it shares with the addon.
include(CheckCSourceCompiles)

# fd description/identity: linked into the probe and into the addon, so both
# compute the same identity for the same open file.
add_library(fda_describe STATIC ${CMAKE_CURRENT_LIST_DIR}/describe.c)
set_target_properties(fda_describe PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_options(fda_describe PRIVATE ${FDA_WARNINGS})
target_include_directories(fda_describe PUBLIC ${CMAKE_SOURCE_DIR}/native)

add_executable(fdaudit-probe ${CMAKE_CURRENT_LIST_DIR}/probe.c)
target_compile_options(fdaudit-probe PRIVATE ${FDA_WARNINGS})
target_link_libraries(fdaudit-probe PRIVATE fda_describe)
fda_user_part(fdaudit-probe CHECK --help)

# Static when the C library allows it (glibc ships libc.a in libc6-dev): no
# dynamic loader runs before main, so nothing is opened before the snapshot
# and exec is cheaper. Otherwise a dynamic build works the same.
if(NOT DEFINED FDA_PROBE_STATIC)
  set(CMAKE_REQUIRED_LINK_OPTIONS -static)
  check_c_source_compiles("#include <unistd.h>\nint main(void) { return (int)getpid() < 0; }" FDA_PROBE_STATIC)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
endif()
if(FDA_PROBE_STATIC)
  target_link_options(fdaudit-probe PRIVATE -static)
else()
  message(STATUS "fdaudit-probe: no static C library found, linking dynamically")
endif()

# Test part (-DFDA_TESTS=ON).
if(FDA_TESTS)

# The same probe linked dynamically, for memcheck: valgrind cannot follow
# glibc's internals in a static binary and reports false positives there.
add_executable(fdaudit-probe-dynamic ${CMAKE_CURRENT_LIST_DIR}/probe.c)
target_compile_options(fdaudit-probe-dynamic PRIVATE ${FDA_WARNINGS} -g)
target_link_libraries(fdaudit-probe-dynamic PRIVATE fda_describe)

# The oracle the tests check the probe's fd list against: fcntl(F_GETFD) on
# every number below the fd table size, sharing no code with the probe.
add_executable(fdaudit-fdscan ${CMAKE_CURRENT_LIST_DIR}/fdscan.c)
target_compile_options(fdaudit-fdscan PRIVATE ${FDA_WARNINGS})

endif() # FDA_TESTS

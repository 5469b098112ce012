# The launcher core: plain C, no Node headers.
set(FDA_LAUNCH_SRC
  ${CMAKE_CURRENT_LIST_DIR}/names.c
  ${CMAKE_CURRENT_LIST_DIR}/bound.c
  ${CMAKE_CURRENT_LIST_DIR}/child.c
  ${CMAKE_CURRENT_LIST_DIR}/spawn.c)
add_library(fda_launch STATIC ${FDA_LAUNCH_SRC})
set_target_properties(fda_launch PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_options(fda_launch PRIVATE ${FDA_WARNINGS})
target_include_directories(fda_launch PUBLIC ${CMAKE_SOURCE_DIR}/native)

# Test parts from here on (-DFDA_TESTS=ON, npm run build:test): none is shipped.
if(FDA_TESTS)

# What a launched child sees from the inside (fds, limits, signals) as JSON.
add_executable(fdaudit-fdlist ${CMAKE_CURRENT_LIST_DIR}/fdlist.c)
target_compile_options(fdaudit-fdlist PRIVATE ${FDA_WARNINGS})
target_link_libraries(fdaudit-fdlist PRIVATE fda_launch)

# Standalone C test driver for the core, built twice: plain, and with the core
# itself compiled under AddressSanitizer + UndefinedBehaviorSanitizer.
add_executable(fdaudit-launch-test ${CMAKE_CURRENT_LIST_DIR}/test_launch.c)
target_compile_options(fdaudit-launch-test PRIVATE ${FDA_WARNINGS})
target_link_libraries(fdaudit-launch-test PRIVATE fda_launch)
add_dependencies(fdaudit-launch-test fdaudit-fdlist)

set(FDA_SAN_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
# Only where the toolchain has the sanitizer runtimes (gcc on Debian does), so
# an install elsewhere still builds; the cdriver spec says so when it is missing.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=address,undefined")
set(CMAKE_REQUIRED_LINK_OPTIONS "-fsanitize=address,undefined")
check_c_source_compiles("int main(void) { return 0; }" FDA_HAVE_SANITIZERS)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(FDA_HAVE_SANITIZERS)
  add_library(fda_launch_san STATIC ${FDA_LAUNCH_SRC})
  target_compile_options(fda_launch_san PRIVATE ${FDA_WARNINGS} ${FDA_SAN_FLAGS} -O1 -g)
  target_include_directories(fda_launch_san PUBLIC ${CMAKE_SOURCE_DIR}/native)
  add_executable(fdaudit-launch-test-san ${CMAKE_CURRENT_LIST_DIR}/test_launch.c)
  target_compile_options(fdaudit-launch-test-san PRIVATE ${FDA_WARNINGS} ${FDA_SAN_FLAGS} -O1 -g)
  target_link_options(fdaudit-launch-test-san PRIVATE ${FDA_SAN_FLAGS})
  target_link_libraries(fdaudit-launch-test-san PRIVATE fda_launch_san)
  add_dependencies(fdaudit-launch-test-san fdaudit-fdlist)
endif()

# Test-only fault injector: kills the process that makes a chosen syscall
# (seccomp), so the tests can make a launched child die before execve.
add_executable(fdaudit-fault ${CMAKE_CURRENT_LIST_DIR}/fault.c)
target_compile_options(fdaudit-fault PRIVATE ${FDA_WARNINGS})

endif() # FDA_TESTS

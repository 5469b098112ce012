# Launcher variants (fork, posix_spawn, mutants): same signature as the core.
# test_*.c and seen.c are executables of their own, not part of the library.
file(GLOB FDA_VARIANTS_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(FILTER FDA_VARIANTS_SRC EXCLUDE REGEX "(test_[^/]*|seen)\\.c$")
add_library(fda_variants STATIC ${FDA_VARIANTS_SRC})
set_target_properties(fda_variants PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_options(fda_variants PRIVATE ${FDA_WARNINGS})
target_link_libraries(fda_variants PUBLIC fda_launch)

# Test parts from here on (-DFDA_TESTS=ON, npm run build:test): none is shipped.
if(FDA_TESTS)

# What a launched program inherited, one fact per line (used by the driver below).
add_executable(fdaudit-seen ${CMAKE_CURRENT_LIST_DIR}/seen.c)
target_compile_options(fdaudit-seen PRIVATE ${FDA_WARNINGS})

# Standalone driver: every variant against non-CLOEXEC fds, limits and signals.
add_executable(fdaudit-variants-test ${CMAKE_CURRENT_LIST_DIR}/test_variants.c)
target_compile_options(fdaudit-variants-test PRIVATE ${FDA_WARNINGS})
target_link_libraries(fdaudit-variants-test PRIVATE fda_variants fda_launch)
add_dependencies(fdaudit-variants-test fdaudit-seen)

# The same driver with the variants and the core under AddressSanitizer +
# UndefinedBehaviorSanitizer (fda_launch_san comes from native/launch).
if(TARGET fda_launch_san)
  set(FDA_VARIANTS_SAN_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_library(fda_variants_san STATIC ${FDA_VARIANTS_SRC})
  target_compile_options(fda_variants_san PRIVATE ${FDA_WARNINGS} ${FDA_VARIANTS_SAN_FLAGS} -O1 -g)
  target_link_libraries(fda_variants_san PUBLIC fda_launch_san)
  add_executable(fdaudit-variants-test-san ${CMAKE_CURRENT_LIST_DIR}/test_variants.c)
  target_compile_options(fdaudit-variants-test-san PRIVATE ${FDA_WARNINGS} ${FDA_VARIANTS_SAN_FLAGS} -O1 -g)
  target_link_options(fdaudit-variants-test-san PRIVATE ${FDA_VARIANTS_SAN_FLAGS})
  target_link_libraries(fdaudit-variants-test-san PRIVATE fda_variants_san)
  add_dependencies(fdaudit-variants-test-san fdaudit-seen)
endif()

endif() # FDA_TESTS

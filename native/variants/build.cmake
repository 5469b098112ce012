# Launcher variants (fork, posix_spawn, mutants): same signature as the core.
file(GLOB FDA_VARIANTS_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
add_library(fda_variants STATIC ${FDA_VARIANTS_SRC})
set_target_properties(fda_variants PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_options(fda_variants PRIVATE ${FDA_WARNINGS})
target_link_libraries(fda_variants PUBLIC fda_launch)

# native/kernel: the kernel personality wrapper and its syscall probe.
set(FDA_KERNEL_DIR ${CMAKE_CURRENT_LIST_DIR})

add_library(fda_kernel_names STATIC ${FDA_KERNEL_DIR}/names.c)
target_compile_options(fda_kernel_names PRIVATE ${FDA_WARNINGS})

add_executable(fdaudit-kernel
  ${FDA_KERNEL_DIR}/main.c
  ${FDA_KERNEL_DIR}/personality.c
  ${FDA_KERNEL_DIR}/filter.c
  ${FDA_KERNEL_DIR}/noproc.c
  ${FDA_KERNEL_DIR}/nofile.c
  ${FDA_KERNEL_DIR}/supervise.c)
target_compile_options(fdaudit-kernel PRIVATE ${FDA_WARNINGS})
target_link_libraries(fdaudit-kernel PRIVATE fda_kernel_names)
fda_user_part(fdaudit-kernel CHECK --list)

# What each personality refuses, seen from inside: a test part (-DFDA_TESTS=ON).
if(FDA_TESTS)

add_executable(fdaudit-sysprobe ${FDA_KERNEL_DIR}/sysprobe.c)
target_compile_options(fdaudit-sysprobe PRIVATE ${FDA_WARNINGS})
target_link_libraries(fdaudit-sysprobe PRIVATE fda_kernel_names)

endif() # FDA_TESTS

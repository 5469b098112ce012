# native/trace: the ptrace tracer behind `fdaudit trace`, and the process
# shapes its tests run under it.
set(FDA_TRACE_DIR ${CMAKE_CURRENT_LIST_DIR})

# Fds are described by the probe's own code (fda_describe) and COMMAND is
# started by the launcher core's child steps (fda_launch), so neither is
# restated here.
add_executable(fdaudit-trace
  ${FDA_TRACE_DIR}/main.c
  ${FDA_TRACE_DIR}/tasks.c
  ${FDA_TRACE_DIR}/record.c
  ${FDA_TRACE_DIR}/refusal.c
  ${FDA_TRACE_DIR}/out.c)
target_compile_options(fdaudit-trace PRIVATE ${FDA_WARNINGS})
target_link_libraries(fdaudit-trace PRIVATE fda_describe fda_launch)
fda_user_part(fdaudit-trace CHECK --help)

# The process shapes the trace specs follow: a test part (-DFDA_TESTS=ON).
if(FDA_TESTS)

find_package(Threads REQUIRED)
add_executable(fdaudit-trace-cases ${FDA_TRACE_DIR}/cases.c)
target_compile_options(fdaudit-trace-cases PRIVATE ${FDA_WARNINGS})
target_link_libraries(fdaudit-trace-cases PRIVATE Threads::Threads)

endif() # FDA_TESTS

/*
 * Why ptrace was refused, in words a user can act on. The kernel answers
 * EPERM for several unrelated reasons; each is checked where it can be seen
 * from user space, most specific first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

/* The comm of a process, or "?" */
static void comm_of(pid_t pid, char *out, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
  if (read_small(path, out, size) <= 0) {
    snprintf(out, size, "?");
    return;
  }
  out[strcspn(out, "\n")] = '\0';
}

static long status_number(pid_t pid, const char *key) {
  char path[64], text[8192];
  if (pid) snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  else snprintf(path, sizeof path, "/proc/self/status");
  if (read_small(path, text, sizeof text) < 0) return -1;
  const char *v = status_field(text, key);
  return v ? strtol(v, NULL, 10) : -1;
}

/* CAP_SYS_PTRACE (19) in this process's effective set. */
static int have_cap_sys_ptrace(void) {
  char text[8192];
  if (read_small("/proc/self/status", text, sizeof text) < 0) return 0;
  const char *v = status_field(text, "CapEff");
  return v && (strtoull(v, NULL, 16) & (1ULL << 19)) != 0;
}

void explain_refusal(pid_t pid, int err, char *msg, size_t size) {
  const char *what = strerror(err);

  /* Already traced: the new child was attached by whoever traces this tracer (strace -f, a debugger, another fdaudit trace). */
  long tracer = status_number(pid, "TracerPid");
  if (tracer > 0 && tracer != (long)getpid()) {
    char comm[64];
    comm_of((pid_t)tracer, comm, sizeof comm);
    snprintf(msg, size,
             "ptrace refused (%s): the command is already traced by pid %ld (%s), which follows fdaudit's own "
             "children; a process can have one tracer only. Fix: run fdaudit trace outside that tracer (not under "
             "strace -f, gdb or another fdaudit trace)",
             what, tracer, comm);
    return;
  }
  long self_tracer = status_number(0, "TracerPid");
  if (self_tracer > 0) {
    char comm[64];
    comm_of((pid_t)self_tracer, comm, sizeof comm);
    snprintf(msg, size,
             "ptrace refused (%s): fdaudit's tracer is itself traced by pid %ld (%s). Fix: run fdaudit trace outside "
             "that tracer",
             what, self_tracer, comm);
    return;
  }

  char scope_text[16];
  long scope = -1;
  if (read_small("/proc/sys/kernel/yama/ptrace_scope", scope_text, sizeof scope_text) > 0) scope = strtol(scope_text, NULL, 10);
  if (scope >= 3) {
    snprintf(msg, size,
             "ptrace refused (%s): the Yama LSM forbids all ptrace use (kernel.yama.ptrace_scope = %ld, which cannot be "
             "lowered until reboot). Fix: boot with a lower kernel.yama.ptrace_scope, or run fdaudit trace on another "
             "machine",
             what, scope);
    return;
  }
  if (scope == 2 && !have_cap_sys_ptrace()) {
    snprintf(msg, size,
             "ptrace refused (%s): the Yama LSM allows ptrace only with CAP_SYS_PTRACE (kernel.yama.ptrace_scope = 2). "
             "Fix: run fdaudit trace as root or with CAP_SYS_PTRACE, or lower it: sysctl kernel.yama.ptrace_scope=1",
             what);
    return;
  }

  long seccomp = status_number(0, "Seccomp");
  if (seccomp == 2 && (err == EPERM || err == ENOSYS || err == EACCES)) {
    snprintf(msg, size,
             "ptrace refused (%s): a seccomp filter is in force in this process (Seccomp: 2 in /proc/self/status), as "
             "container runtimes install; their default profiles refuse ptrace. Fix: allow ptrace in the profile, e.g. "
             "docker run --cap-add SYS_PTRACE (Docker then also lifts its seccomp rule) or "
             "--security-opt seccomp=unconfined",
             what);
    return;
  }

  if (err == EPERM && !have_cap_sys_ptrace()) {
    snprintf(msg, size,
             "ptrace refused (%s): this process may not trace its own child here (no CAP_SYS_PTRACE, and a security "
             "module or the container forbids it). Fix: grant CAP_SYS_PTRACE (docker run --cap-add SYS_PTRACE) or run "
             "outside the container",
             what);
    return;
  }
  snprintf(msg, size, "ptrace refused (%s) for pid %d; nothing visible explains it (no tracer, no Yama restriction, "
           "no seccomp filter). Fix: check the security modules in force (AppArmor, SELinux) for a ptrace rule",
           what, (int)pid);
}

/*
 * fdaudit-fault: runs PROGRAM with a seccomp filter that kills the process
 * making one chosen system call, to test how launchers report a child that
 * dies before execve (a seccomp kill action, as an OOM kill or a signal
 * would). Test-only; composes with fdaudit-kernel (filters stack).
 *
 *   fdaudit-fault --kill SYSCALL [--kill SYSCALL]... [--] PROGRAM [ARG]...
 *
 * SYSCALL is one of:
 *   prlimit64  only calls that set a limit (new_limit != NULL): what a
 *              launcher's child makes to lower RLIMIT_NOFILE; reading one
 *              stays allowed. The soft RLIMIT_NOFILE is raised to the hard
 *              one before the filter goes in, so PROGRAM has no reason to
 *              raise it itself (Node and Go runtimes do at start-up).
 *   dup3, dup2, chdir, setpgid, close_range, execve
 *
 * The action is SECCOMP_RET_KILL_PROCESS: the caller dies with SIGSYS. The
 * filter covers the native ABI of x86_64 and aarch64 only (other ABIs are
 * let through: this is a fault injector, not a sandbox). Exit status:
 * PROGRAM's; 2 usage error; 3 the filter cannot be installed here; 126/127
 * PROGRAM cannot be run / not found.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define FAULT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FAULT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif

struct target {
  const char *name;
  long nr;        /* -1: not on this architecture */
  int only_set;   /* prlimit64: only when args[2] (new_limit) is not NULL */
};

static const struct target targets[] = {
  {"prlimit64", SYS_prlimit64, 1},
  {"dup3", SYS_dup3, 0},
#ifdef SYS_dup2
  {"dup2", SYS_dup2, 0},
#else
  {"dup2", -1, 0},
#endif
  {"chdir", SYS_chdir, 0},
  {"setpgid", SYS_setpgid, 0},
  {"close_range", 436, 0},
  {"execve", SYS_execve, 0},
};
#define NTARGETS (sizeof targets / sizeof targets[0])
#define MAX_KILLS 8

static int usage(const char *why) {
  fprintf(stderr, "fdaudit-fault: %s\nusage: fdaudit-fault --kill SYSCALL [--kill SYSCALL]... [--] PROGRAM [ARG]...\nSYSCALL:", why);
  for (size_t i = 0; i < NTARGETS; i++) fprintf(stderr, " %s", targets[i].name);
  fputc('\n', stderr);
  return 2;
}

#ifdef FAULT_ARCH
static int install(const struct target *const *kill, int nkill) {
  struct sock_filter f[4 + MAX_KILLS * 6];
  int n = 0;
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FAULT_ARCH, 1, 0);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  for (int i = 0; i < nkill; i++) {
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    if (!kill[i]->only_set) {
      f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)kill[i]->nr, 0, 1);
      f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
      continue;
    }
    /* nr? then new_limit's two halves: either one non-zero is a pointer. */
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)kill[i]->nr, 0, 5);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2]));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2]) + 4);
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  }
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog prog = {(unsigned short)n, f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}
#endif

int main(int argc, char **argv) {
  const struct target *kill[MAX_KILLS];
  int nkill = 0, i = 1, raise_nofile = 0;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (argv[i][0] != '-') break;
    if (strcmp(argv[i], "--kill") != 0 || i + 1 >= argc) return usage("expected --kill SYSCALL");
    const char *name = argv[++i];
    const struct target *t = NULL;
    for (size_t k = 0; k < NTARGETS; k++)
      if (strcmp(targets[k].name, name) == 0) t = &targets[k];
    if (!t) return usage("unknown SYSCALL");
    if (nkill == MAX_KILLS) return usage("too many --kill");
    kill[nkill++] = t;
    raise_nofile |= t->only_set;
  }
  if (nkill == 0) return usage("no --kill given");
  if (i >= argc) return usage("no PROGRAM given");
#ifdef FAULT_ARCH
  for (int k = 0; k < nkill; k++) {
    if (kill[k]->nr < 0) {
      fprintf(stderr, "fdaudit-fault: %s does not exist on this architecture\n", kill[k]->name);
      return 3;
    }
  }
  if (raise_nofile) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("fdaudit-fault: setrlimit");
        return 3;
      }
    }
  }
  if (install(kill, nkill) != 0) {
    fprintf(stderr, "fdaudit-fault: cannot install the seccomp filter: %s\n", strerror(errno));
    return 3;
  }
#else
  (void)raise_nofile;
  fprintf(stderr, "fdaudit-fault: only x86_64 and aarch64 are supported\n");
  return 3;
#endif
  execvp(argv[i], &argv[i]);
  int err = errno;
  fprintf(stderr, "fdaudit-fault: cannot run '%s': %s\n", argv[i], strerror(err));
  return err == ENOENT || err == ENOTDIR ? 127 : 126;
}

/* fdaudit-sysprobe: make each syscall a kernel personality may refuse, once,
 * through syscall(2) so no libc fallback hides the answer, and print one JSON
 * object mapping a call to "ok", its errno name, or "absent" where this
 * architecture has no such syscall. One more key, "nofile", is the
 * RLIMIT_NOFILE seen (prlimit64) as "SOFT/HARD".
 *
 * Every call is set up to succeed on an unrestricted kernel, so the output
 * under `host` is all "ok" and each refusal a personality adds stands out.
 *
 *   fdaudit-sysprobe              the outcomes above
 *   fdaudit-sysprobe rlimit       what a process sees and can do with its
 *                                 RLIMIT_NOFILE, step by step (see rlimit_steps)
 *   fdaudit-sysprobe nofile       "SOFT/HARD" and nothing else (for exec tests),
 *                                 or the errno name and exit status 1
 *   fdaudit-sysprobe sweep PROGRAM [ARG]...
 *                                 a naive launcher: close() on every fd number
 *                                 from 3 up to sysconf(_SC_OPEN_MAX), then
 *                                 exec PROGRAM (under huge-nofile: 2^30 calls) */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"

#define CR_UNSHARE (1U << 1)
#define CR_CLOEXEC (1U << 2)
#define PIDFD_IDTYPE 3

static int first = 1;

static void emit(const char *key, const char *value) {
  printf("%s\"%s\": \"%s\"", first ? "{" : ", ", key, value);
  first = 0;
}

/* rc < 0 means errno holds the reason. */
static void report(const char *key, long rc) {
  if (rc >= 0) {
    emit(key, "ok");
    return;
  }
  const char *name = fdk_errno_name(errno);
  char buf[16];
  if (!name) {
    snprintf(buf, sizeof buf, "E%d", errno);
    name = buf;
  }
  emit(key, name);
}

static void probe_close_range(void) {
  int fd = fcntl(2, F_DUPFD_CLOEXEC, 10);
  int plain = fcntl(2, F_DUPFD, 10);
  long rc;

  /* With CLOEXEC the fd stays open; the flag is the visible effect. */
  fcntl(plain, F_SETFD, 0);
  rc = syscall(SYS_close_range, (unsigned)plain, (unsigned)plain, CR_CLOEXEC);
  if (rc == 0 && !(fcntl(plain, F_GETFD) & FD_CLOEXEC)) {
    rc = -1;
    errno = EPROTO;
  }
  report("close_range_cloexec", rc);

  rc = syscall(SYS_close_range, (unsigned)plain, (unsigned)plain, CR_UNSHARE);
  if (rc == 0 && fcntl(plain, F_GETFD) >= 0) {
    rc = -1;
    errno = EPROTO;
  }
  report("close_range_unshare", rc);
  close(plain);

  rc = syscall(SYS_close_range, (unsigned)fd, (unsigned)fd, 0U);
  if (rc == 0 && fcntl(fd, F_GETFD) >= 0) {
    rc = -1;
    errno = EPROTO;
  }
  report("close_range", rc);
  close(fd);
}

/* A child that exits at once, for the calls that need one. */
static void probe_process_calls(void) {
  long rc;
  int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  report("pidfd_open", pidfd);

  /* Without pidfd_open, -1 still tells an existing call (EBADF) from a
   * refused one. */
  rc = syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0);
  report("pidfd_send_signal", rc);

  rc = syscall(SYS_pidfd_getfd, pidfd, 2, 0);
  if (rc >= 0) close((int)rc);
  report("pidfd_getfd", rc);
  if (pidfd >= 0) close(pidfd);

  pid_t child = fork();
  if (child == 0) _exit(0);
  int cpidfd = child > 0 ? (int)syscall(SYS_pidfd_open, child, 0) : -1;
  siginfo_t si;
  memset(&si, 0, sizeof si);
  rc = syscall(SYS_waitid, PIDFD_IDTYPE, cpidfd, &si, WEXITED, NULL);
  report("waitid_pidfd", rc);
  if (rc != 0 && child > 0) waitpid(child, NULL, 0);
  if (cpidfd >= 0) close(cpidfd);

  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  rc = syscall(SYS_clone3, &args, sizeof args);
  if (rc == 0) syscall(SYS_exit_group, 0); /* the child: nothing else to do */
  if (rc > 0) waitpid((pid_t)rc, NULL, 0);
  report("clone3", rc);
}

static void probe_waiting(void) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return;
  struct pollfd pfd = {.fd = p[0], .events = POLLIN};
  struct timespec ts0 = {0, 0};
#ifdef SYS_poll
  report("poll", syscall(SYS_poll, &pfd, 1, 0));
#else
  emit("poll", "absent");
#endif
  report("ppoll", syscall(SYS_ppoll, &pfd, 1, &ts0, NULL, (size_t)8));
  fd_set set;
  FD_ZERO(&set);
  FD_SET(p[0], &set);
#ifdef SYS_select
  struct timeval tv0 = {0, 0};
  report("select", syscall(SYS_select, p[0] + 1, &set, NULL, NULL, &tv0));
#else
  emit("select", "absent");
#endif
  FD_ZERO(&set);
  FD_SET(p[0], &set);
  report("pselect6", syscall(SYS_pselect6, p[0] + 1, &set, NULL, NULL, &ts0, NULL));
  report("fcntl", syscall(SYS_fcntl, p[0], F_GETFD));
  close(p[0]);
  close(p[1]);
}

static long list_dir(const char *path) {
  char buf[4096];
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  long rc = syscall(SYS_getdents64, fd, buf, sizeof buf);
  int err = errno;
  close(fd);
  errno = err;
  return rc;
}

static void probe_files(void) {
  report("getdents64", list_dir("/"));
  report("proc_self_fd", list_dir("/proc/self/fd"));
  long fd = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  report("openat", fd);
  if (fd >= 0) close((int)fd);
#ifdef SYS_open
  fd = syscall(SYS_open, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  report("open", fd);
  if (fd >= 0) close((int)fd);
#else
  emit("open", "absent");
#endif
  struct rlimit rl;
  long rc = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl);
  report("prlimit64", rc);
  struct rlimit same;
  report("getrlimit", syscall(SYS_getrlimit, RLIMIT_NOFILE, &same));
  /* Setting the limits in force changes nothing, so the call may only fail
   * where it is refused. */
  report("setrlimit", rc == 0 ? syscall(SYS_setrlimit, RLIMIT_NOFILE, &rl) : rc);
  char value[48];
  if (rc == 0) snprintf(value, sizeof value, "%llu/%llu", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  else snprintf(value, sizeof value, "?");
  emit("nofile", value);
}

#if defined(__x86_64__)
/* close_range through the two other doors into an x86_64 kernel: the i386
 * table (int 0x80) and the x32 one (syscall with bit 30 set). A kernel built
 * without x32 answers ENOSYS on its own. One built or booted without IA32
 * emulation has no int 0x80 gate at all: the instruction faults (SIGSEGV)
 * before any syscall code or seccomp filter runs. So each door is tried in a
 * forked child that writes the result to a pipe; a child killed by a signal
 * means the door is absent, and the prober lives on either way. */
static long raw_i386(long nr, long a, long b, long c) {
  long rc;
  __asm__ volatile("int $0x80" : "=a"(rc) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory", "r8", "r9", "r10", "r11");
  return rc;
}

static long raw_x32(long nr, long a, long b, long c) {
  long rc;
  __asm__ volatile("syscall" : "=a"(rc) : "a"(nr), "D"(a), "S"(b), "d"(c) : "memory", "rcx", "r11");
  return rc;
}

/* Which door FDAUDIT_SYSPROBE_FAULT names ("i386", "x32") is made to fault:
 * how the tests show that a fault is reported as absent. */
static int forced_fault(const char *door) {
  const char *v = getenv("FDAUDIT_SYSPROBE_FAULT");
  return v && strcmp(v, door) == 0;
}

static void probe_door(const char *key, const char *door, long (*raw)(long, long, long, long), long nr) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    report(key, -1);
    return;
  }
  fflush(stdout); /* the child must not write our buffered output twice */
  pid_t pid = fork();
  if (pid < 0) {
    report(key, -1);
    close(pipefd[0]);
    close(pipefd[1]);
    return;
  }
  if (pid == 0) {
    int fd = fcntl(2, F_DUPFD_CLOEXEC, 10);
    if (forced_fault(door)) raise(SIGSEGV);
    long rc = raw(nr, fd, fd, 0);
    ssize_t w = write(pipefd[1], &rc, sizeof rc);
    _exit(w == (ssize_t)sizeof rc ? 0 : 1);
  }
  close(pipefd[1]);
  long rc = 0;
  ssize_t got;
  do got = read(pipefd[0], &rc, sizeof rc);
  while (got < 0 && errno == EINTR);
  close(pipefd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status) || got != (ssize_t)sizeof rc) {
    emit(key, "absent");
    return;
  }
  if (rc < 0 && rc > -4096) {
    errno = (int)-rc;
    rc = -1;
  }
  report(key, rc);
}

static void probe_other_abis(void) {
  probe_door("close_range_i386", "i386", raw_i386, 436);
  probe_door("close_range_x32", "x32", raw_x32, 0x40000000L | 436);
}
#else
static void probe_other_abis(void) {}
#endif

/* ---- rlimit mode --------------------------------------------------------- */

static void emit_limits(const char *key, unsigned long long soft, unsigned long long hard) {
  char value[48];
  snprintf(value, sizeof value, "%llu/%llu", soft, hard);
  emit(key, value);
}

static int get_nofile(struct rlimit *rl) {
  return (int)syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, rl);
}

static void emit_nofile(const char *key) {
  struct rlimit rl;
  if (get_nofile(&rl) != 0) report(key, -1);
  else emit_limits(key, rl.rlim_cur, rl.rlim_max);
}

/* The "Max open files" line of /proc/self/limits: what the kernel holds. */
static void emit_proc_limits(const char *key) {
  char buf[4096];
  int fd = open("/proc/self/limits", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
  if (fd >= 0) close(fd);
  if (n <= 0) {
    emit(key, "absent");
    return;
  }
  buf[n] = '\0';
  const char *line = strstr(buf, "Max open files");
  unsigned long long soft, hard;
  if (!line || sscanf(line + strlen("Max open files"), " %llu %llu", &soft, &hard) != 2) emit(key, "?");
  else emit_limits(key, soft, hard);
}

/* Sets RLIMIT_NOFILE through setrlimit(2) and reports the outcome. */
static void set_nofile(const char *key, unsigned long long soft, unsigned long long hard) {
  struct rlimit rl = {(rlim_t)soft, (rlim_t)hard};
  report(key, syscall(SYS_setrlimit, RLIMIT_NOFILE, &rl));
}

/* The same view from a forked child and from a program exec'd there. */
static void emit_inherited(const char *forked_key, const char *execd_key, const char *self) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl;
    unsigned long long v[2] = {0, 0};
    if (get_nofile(&rl) == 0) {
      v[0] = rl.rlim_cur;
      v[1] = rl.rlim_max;
    }
    ssize_t w = write(p[1], v, sizeof v);
    _exit(w == (ssize_t)sizeof v ? 0 : 1);
  }
  close(p[1]);
  unsigned long long v[2];
  ssize_t got = read(p[0], v, sizeof v);
  close(p[0]);
  waitpid(pid, NULL, 0);
  if (got == (ssize_t)sizeof v) emit_limits(forked_key, v[0], v[1]);
  else emit(forked_key, "?");

  char line[64] = "?";
  if (pipe2(p, O_CLOEXEC) != 0) return;
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    execl(self, self, "nofile", (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  got = read(p[0], line, sizeof line - 1);
  close(p[0]);
  waitpid(pid, NULL, 0);
  line[got > 0 ? got : 0] = '\0';
  line[strcspn(line, "\n")] = '\0';
  emit(execd_key, got > 0 ? line : "?");
}

#if defined(__x86_64__)
/* The i386 and x32 entry points, each tried in a forked child (a kernel
 * without IA32 emulation faults on int 0x80). Pointers for int 0x80 must be
 * below 4 GiB. Reports "SOFT/HARD", the errno, or "absent". */
static void door_limits(const char *key, long (*raw)(long, long, long, long), long nr, int pid_first, int words32) {
  unsigned char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  int pipefd[2];
  if (low == MAP_FAILED || pipe2(pipefd, O_CLOEXEC) != 0) {
    emit(key, "?");
    return;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    memset(low, 0, 32);
    long rc;
    if (pid_first) {
      /* prlimit64(0, NOFILE, NULL, old): old is the fourth argument (esi). */
      __asm__ volatile("int $0x80"
                       : "=a"(rc)
                       : "a"(nr), "b"(0L), "c"((long)RLIMIT_NOFILE), "d"(0L), "S"((long)(uintptr_t)low)
                       : "memory", "r8", "r9", "r10", "r11");
    } else {
      rc = raw(nr, RLIMIT_NOFILE, (long)(uintptr_t)low, 0);
    }
    unsigned long long v[3] = {(unsigned long long)rc, 0, 0};
    if (words32) {
      uint32_t a, b;
      memcpy(&a, low, 4);
      memcpy(&b, low + 4, 4);
      v[1] = a;
      v[2] = b;
    } else {
      memcpy(&v[1], low, 8);
      memcpy(&v[2], low + 8, 8);
    }
    ssize_t w = write(pipefd[1], v, sizeof v);
    _exit(w == (ssize_t)sizeof v ? 0 : 1);
  }
  close(pipefd[1]);
  unsigned long long v[3];
  ssize_t got;
  do got = read(pipefd[0], v, sizeof v);
  while (got < 0 && errno == EINTR);
  close(pipefd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  munmap(low, 4096);
  if (WIFSIGNALED(status) || got != (ssize_t)sizeof v) {
    emit(key, "absent");
    return;
  }
  long rc = (long)v[0];
  if (rc < 0 && rc > -4096) {
    errno = (int)-rc;
    report(key, -1);
    return;
  }
  emit_limits(key, v[1], v[2]);
}

static void rlimit_doors(void) {
  door_limits("ugetrlimit_i386", raw_i386, 191, 0, 1);
  door_limits("old_getrlimit_i386", raw_i386, 76, 0, 1);
  door_limits("prlimit64_i386", raw_i386, 340, 1, 0);
  door_limits("getrlimit_x32", raw_x32, 0x40000000L | 97, 0, 0);
}
#else
static void rlimit_doors(void) {}
#endif

/* What a process sees of its RLIMIT_NOFILE and what it may do with it, in
 * order. The expected answers on a real host are the kernel's rules: the
 * soft limit moves freely up to the hard limit, soft above hard is EINVAL, a
 * hard limit above fs.nr_open or above the current one (without
 * CAP_SYS_RESOURCE) is EPERM, and a lowered hard limit stays lowered. */
static void rlimit_steps(const char *self) {
  struct rlimit start;
  if (get_nofile(&start) != 0) {
    report("prlimit64", -1);
    printf("}\n");
    return;
  }
  unsigned long long soft = start.rlim_cur, hard = start.rlim_max;
  emit_limits("prlimit64", soft, hard);
  struct rlimit rl;
  if (syscall(SYS_getrlimit, RLIMIT_NOFILE, &rl) == 0) emit_limits("getrlimit", rl.rlim_cur, rl.rlim_max);
  else report("getrlimit", -1);
  char value[32];
  snprintf(value, sizeof value, "%ld", sysconf(_SC_OPEN_MAX));
  emit("sysconf_open_max", value);
  emit_proc_limits("proc_limits");
  rlimit_doors();

  set_nofile("lower_soft", 1024, hard);
  emit_nofile("after_lower");
  emit_proc_limits("proc_after_lower");
  emit_inherited("forked_after_lower", "execd_after_lower", self);
  set_nofile("raise_soft", hard, hard);
  emit_nofile("after_raise");
  emit_proc_limits("proc_after_raise");
  set_nofile("soft_above_hard", hard + 1, hard);
  set_nofile("hard_above", hard + 1, hard + 1);
  set_nofile("infinity", RLIM_INFINITY, RLIM_INFINITY);
  emit_nofile("after_refused");

  /* Lowering the hard limit cannot be undone: done in a forked child. */
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    first = 1;
    dup2(p[1], 1);
    unsigned long long lowered = hard / 2;
    set_nofile("lower_hard", lowered, lowered);
    emit_nofile("after_lower_hard");
    set_nofile("raise_hard_again", lowered, hard);
    emit_proc_limits("proc_after_lower_hard");
    fflush(stdout);
    _exit(0);
  }
  close(p[1]);
  char buf[1024];
  ssize_t n, got = 0;
  while ((n = read(p[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0) got += n;
  close(p[0]);
  waitpid(pid, NULL, 0);
  buf[got < 0 ? 0 : got] = '\0';
  /* The child's pairs, spliced into this object. */
  if (got > 1) printf(", %s", buf + 1);
  printf("}\n");
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "nofile") == 0) {
    struct rlimit rl;
    if (get_nofile(&rl) != 0) {
      const char *name = fdk_errno_name(errno);
      printf("%s\n", name ? name : "?");
      return 1;
    }
    printf("%llu/%llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "sweep") == 0) {
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < max; fd++) close((int)fd);
    execvp(argv[2], &argv[2]);
    fprintf(stderr, "fdaudit-sysprobe sweep: cannot run '%s': %s\n", argv[2], strerror(errno));
    return 127;
  }
  if (argc > 1 && strcmp(argv[1], "rlimit") == 0) {
    rlimit_steps(argv[0]);
    return fflush(stdout) == 0 ? 0 : 1;
  }
  if (argc > 1) {
    fprintf(stderr, "usage: fdaudit-sysprobe [rlimit | nofile | sweep PROGRAM [ARG]...]\n");
    return 2;
  }
  probe_close_range();
  probe_process_calls();
  probe_waiting();
  probe_files();
  probe_other_abis();
  printf("}\n");
  return fflush(stdout) == 0 ? 0 : 1;
}

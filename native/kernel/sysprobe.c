/* fdaudit-sysprobe: make each syscall a kernel personality may refuse, once,
 * through syscall(2) so no libc fallback hides the answer, and print one JSON
 * object mapping a call to "ok", its errno name, or "absent" where this
 * architecture has no such syscall.
 *
 * Every call is set up to succeed on an unrestricted kernel, so the output
 * under `host` is all "ok" and each refusal a personality adds stands out. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
  report("prlimit64", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl));
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

int main(void) {
  probe_close_range();
  probe_process_calls();
  probe_waiting();
  probe_files();
  probe_other_abis();
  printf("}\n");
  return fflush(stdout) == 0 ? 0 : 1;
}

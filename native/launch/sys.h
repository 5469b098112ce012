/*
 * Raw system calls the launcher needs, defined here when the build host's
 * headers predate them. Whether the running kernel has them is found out at
 * run time (ENOSYS), never decided from these headers (flaw F3).
 */
#ifndef FDAUDIT_LAUNCH_SYS_H
#define FDAUDIT_LAUNCH_SYS_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* close_range, pidfd_open: one number on every architecture (unified table since 5.1). */
#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

/* The kernel's signal set is 64 bits; glibc's sigset_t is larger and starts with it. */
#define FDA_KERNEL_SIGSET_SIZE 8
#define FDA_NSIG 65

static inline int fda_sys_close_range(unsigned int first, unsigned int last, unsigned int flags) {
  return (int)syscall(__NR_close_range, first, last, flags);
}

/*
 * The child's system calls, raw. glibc's close, open, poll, select and
 * fcntl(F_SETLKW) are cancellation points, and its wrappers may do more than
 * the call (fortify checks on fd_set sizes, dup2's same-fd shortcut); between
 * vfork and execve only the call itself is safe. syscall() sets errno, which
 * in a vfork child is the stopped parent thread's, re-read only after the
 * child has gone.
 */
static inline int fda_sys_close(int fd) {
  return (int)syscall(SYS_close, fd);
}

static inline int fda_sys_fcntl(int fd, int cmd, long arg) {
  return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

/* Lowest free number: only the mutants' flawed steps use it (flaw F1). */
static inline int fda_sys_dup(int fd) {
  return (int)syscall(SYS_dup, fd);
}

/* dup3 with no flags is dup2 for oldfd != newfd (every caller guarantees that); aarch64 has no dup2. */
static inline int fda_sys_dup2(int oldfd, int newfd) {
  return (int)syscall(SYS_dup3, oldfd, newfd, 0);
}

static inline int fda_sys_open(const char *path, int flags) {
  return (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0);
}

static inline long fda_sys_read(int fd, void *buf, unsigned long len) {
  return syscall(SYS_read, fd, buf, len);
}

/* poll with a zero timeout: poll where the architecture has it (what glibc calls), else ppoll. */
static inline int fda_sys_poll_now(struct pollfd *fds, unsigned int n) {
#ifdef SYS_poll
  return (int)syscall(SYS_poll, fds, (unsigned long)n, 0);
#else
  struct timespec zero = {0, 0};
  return (int)syscall(SYS_ppoll, fds, (unsigned long)n, &zero, NULL, (size_t)FDA_KERNEL_SIGSET_SIZE);
#endif
}

/* select(nfds, readfds, NULL, NULL, zero timeout): select where the architecture has it, else pselect6. */
static inline int fda_sys_select_now(int nfds, unsigned long *readfds) {
#ifdef SYS_select
  struct timeval zero = {0, 0};
  return (int)syscall(SYS_select, nfds, readfds, NULL, NULL, &zero);
#else
  struct timespec zero = {0, 0};
  return (int)syscall(SYS_pselect6, nfds, readfds, NULL, NULL, &zero, NULL);
#endif
}

static inline int fda_sys_chdir(const char *path) {
  return (int)syscall(SYS_chdir, path);
}

static inline int fda_sys_setpgid(pid_t pid, pid_t pgid) {
  return (int)syscall(SYS_setpgid, pid, pgid);
}

static inline int fda_sys_execve(const char *file, char *const *argv, char *const *envp) {
  return (int)syscall(SYS_execve, file, argv, envp);
}

static inline __attribute__((noreturn)) void fda_sys_exit(int code) {
  for (;;) syscall(SYS_exit_group, code);
}

/*
 * Raw rt_sigprocmask: glibc's sigprocmask/pthread_sigmask silently drop its
 * internal signals (32, 33) from the set; around vfork every signal must be
 * blocked, and the child's mask must be exactly the one asked for.
 */
static inline int fda_sys_sigmask(int how, const sigset_t *set, sigset_t *old) {
  return (int)syscall(SYS_rt_sigprocmask, how, set, old, FDA_KERNEL_SIGSET_SIZE);
}

/*
 * RLIMIT_NOFILE through prlimit64 (what glibc uses), or through the older
 * getrlimit/setrlimit system calls when a seccomp profile refuses prlimit64.
 * The old calls take struct rlimit with unsigned long fields, which is
 * rlim_t only on 64-bit architectures; elsewhere there is no second try.
 */
static inline int fda_sys_nofile(const struct rlimit *set, struct rlimit *get) {
  int r = (int)syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, set, get);
#if defined(SYS_getrlimit) && defined(SYS_setrlimit) && defined(__LP64__)
  if (r != 0 && (errno == ENOSYS || errno == EPERM)) {
    if (get && syscall(SYS_getrlimit, RLIMIT_NOFILE, get) != 0) return -1;
    if (set && syscall(SYS_setrlimit, RLIMIT_NOFILE, set) != 0) return -1;
    return 0;
  }
#endif
  return r;
}

/* Bit twiddling on sigset_t: glibc's sigaddset refuses 32 and 33 (EINVAL). */
static inline int fda_sigset_has_bit(const sigset_t *set, int sig) {
  const unsigned long *w = (const unsigned long *)(const void *)set;
  unsigned int b = (unsigned int)(sig - 1);
  return (int)((w[b / (8 * sizeof(unsigned long))] >> (b % (8 * sizeof(unsigned long)))) & 1UL);
}

#endif

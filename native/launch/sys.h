/*
 * Raw system calls the launcher needs, defined here when the build host's
 * headers predate them. Whether the running kernel has them is found out at
 * run time (ENOSYS), never decided from these headers (flaw F3).
 */
#ifndef FDAUDIT_LAUNCH_SYS_H
#define FDAUDIT_LAUNCH_SYS_H

#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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

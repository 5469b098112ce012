/* The personalities: which syscalls each refuses, and with which errno.
 *
 * Each one answers the way the named kernel or container does, for exactly
 * the calls listed, so a program's fallback paths run as they would there.
 *
 * linux-5.2 covers the pidfd family as a whole, not only the three calls the
 * name is known for: pidfd_open and clone3 arrived in 5.3, waitid(P_PIDFD) in
 * 5.4, pidfd_getfd in 5.6 and close_range in 5.9. A 5.2 kernel answers ENOSYS
 * to the new syscalls and EINVAL to the unknown waitid id type. Left alone:
 * pidfd_send_signal (5.1) and clone(CLONE_PIDFD) (5.2), which a 5.2 kernel
 * has, and calls unrelated to process and fd management (openat2, faccessat2,
 * ...) that nothing audited here depends on. */
#include <errno.h>
#include <string.h>

#include "kernel.h"

/* Spelled out so the build does not depend on headers new enough to name them. */
#define FDK_CLOSE_RANGE_CLOEXEC (1U << 2)
#define FDK_P_PIDFD 3

const struct fdk_personality fdk_personalities[] = {
  {"host", "no change: the running kernel as it is"},
  {"linux-5.10", "close_range with CLOSE_RANGE_CLOEXEC fails with EINVAL; other close_range calls work"},
  {"linux-5.8", "close_range fails with ENOSYS"},
  {"linux-5.2", "close_range, pidfd_open, clone3 and pidfd_getfd fail with ENOSYS; waitid(P_PIDFD) with EINVAL"},
  {"container-eperm", "close_range fails with EPERM, as older container seccomp profiles do"},
  {"no-proc", "/proc is hidden: an empty read-only tmpfs in a private mount namespace"},
  {"linux-5.8+no-proc", "close_range fails with ENOSYS and /proc is hidden"},
  {"huge-nofile", "soft and hard RLIMIT_NOFILE are 1073741816 (emulated), as Docker on current systemd hosts gives containers"},
  {"container-eperm+huge-nofile", "close_range fails with EPERM and RLIMIT_NOFILE is 1073741816, soft and hard"},
};
const size_t fdk_personality_count = sizeof fdk_personalities / sizeof fdk_personalities[0];

int fdk_plan_add_rule(struct fdk_plan *plan, struct fdk_rule rule) {
  if (plan->nrules >= FDK_MAX_RULES) return -1;
  plan->rules[plan->nrules++] = rule;
  return 0;
}

static void refuse(struct fdk_plan *plan, const char *name, int err) {
  fdk_plan_add_rule(plan, (struct fdk_rule){fdk_syscall_by_name(name), FDK_MATCH_ALL, 0, 0, err, 0});
}

/* The rlimit calls about RLIMIT_NOFILE go to the supervisor; every other
 * resource is the kernel's as before. */
#define FDK_RLIMIT_NOFILE 7U

static int notify_nofile(struct fdk_plan *plan, const char *name, unsigned resource_arg) {
  return fdk_plan_add_rule(plan, (struct fdk_rule){fdk_syscall_by_name(name), FDK_MATCH_ARG_EQ, resource_arg,
                                                   FDK_RLIMIT_NOFILE, 0, 1});
}

/* One atom of a personality name; returns -1 for a name it does not know. */
static int add_atom(struct fdk_plan *plan, const char *atom, size_t len) {
#define IS(lit) (len == sizeof(lit) - 1 && memcmp(atom, lit, len) == 0)
  if (IS("host")) return 0;
  if (IS("linux-5.10")) {
    /* 5.9 and 5.10 know only CLOSE_RANGE_UNSHARE; CLOEXEC came in 5.11. */
    return fdk_plan_add_rule(plan, (struct fdk_rule){fdk_syscall_by_name("close_range"), FDK_MATCH_ARG_SET, 2,
                                                     FDK_CLOSE_RANGE_CLOEXEC, EINVAL, 0});
  }
  if (IS("linux-5.8")) {
    refuse(plan, "close_range", ENOSYS);
    return 0;
  }
  if (IS("linux-5.2")) {
    refuse(plan, "close_range", ENOSYS);
    refuse(plan, "pidfd_open", ENOSYS);
    refuse(plan, "clone3", ENOSYS);
    refuse(plan, "pidfd_getfd", ENOSYS);
    return fdk_plan_add_rule(plan, (struct fdk_rule){fdk_syscall_by_name("waitid"), FDK_MATCH_ARG_EQ, 0,
                                                     FDK_P_PIDFD, EINVAL, 0});
  }
  if (IS("container-eperm")) {
    refuse(plan, "close_range", EPERM);
    return 0;
  }
  if (IS("no-proc")) {
    plan->hide_proc = 1;
    return 0;
  }
  if (IS("huge-nofile")) {
    if (plan->nofile) return 0;
    plan->nofile = FDK_HUGE_NOFILE;
    /* prlimit64(pid, resource, new, old); getrlimit/setrlimit(resource, rlim). */
    return notify_nofile(plan, "prlimit64", 1) | notify_nofile(plan, "getrlimit", 0) |
           notify_nofile(plan, "setrlimit", 0);
  }
  return -1;
#undef IS
}

int fdk_plan_add_personality(struct fdk_plan *plan, const char *spec, const char **bad) {
  /* "a+b" composes atoms; the listed composite names are exactly such sums. */
  static char badbuf[128];
  const char *p = spec;
  for (;;) {
    const char *plus = strchr(p, '+');
    size_t len = plus ? (size_t)(plus - p) : strlen(p);
    if (add_atom(plan, p, len) != 0) {
      if (len >= sizeof badbuf) len = sizeof badbuf - 1;
      memcpy(badbuf, p, len);
      badbuf[len] = '\0';
      *bad = badbuf;
      return -1;
    }
    if (!plus) return 0;
    p = plus + 1;
  }
}

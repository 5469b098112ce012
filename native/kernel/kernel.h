/* Kernel personalities: seccomp rules and a hidden /proc, shared by the
 * fdaudit-kernel wrapper and the fdaudit-sysprobe test program. */
#ifndef FDAUDIT_KERNEL_H
#define FDAUDIT_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- syscalls and errnos by name (names.c) ------------------------------ */

/* A syscall can have two numbers in one ABI (i386 select and _newselect,
 * fcntl and fcntl64, ppoll and ppoll_time64): refusing it refuses both. */
#define FDK_MAX_NRS 2

/* One ABI the filter distinguishes: the native one, x32 on x86_64 (same audit
 * arch, numbers carry __X32_SYSCALL_BIT) and the 32-bit compat ABI. */
enum fdk_abi { FDK_ABI_NATIVE, FDK_ABI_X32, FDK_ABI_COMPAT, FDK_ABI__COUNT };

struct fdk_syscall {
  const char *name;
  /* -1 where the ABI has no such syscall (aarch64 has no poll or open). */
  int32_t nr[FDK_ABI__COUNT][FDK_MAX_NRS];
};

extern const struct fdk_syscall fdk_syscalls[];
extern const size_t fdk_syscall_count;

const struct fdk_syscall *fdk_syscall_by_name(const char *name);
/* errno value from "ENOSYS" or a decimal number 1..4095; -1 if neither. */
int fdk_errno_by_name(const char *name);
/* "ENOSYS", or NULL for an errno the table does not name. */
const char *fdk_errno_name(int err);

/* ---- rules and personalities (personality.c) ----------------------------- */

enum fdk_match {
  FDK_MATCH_ALL,      /* every call */
  FDK_MATCH_ARG_SET,  /* (arg & value) != 0: a flag bit is present */
  FDK_MATCH_ARG_EQ,   /* arg == value */
};

struct fdk_rule {
  const struct fdk_syscall *sys;
  enum fdk_match match;
  unsigned arg;   /* argument index for the ARG matches */
  uint32_t value; /* compared with the argument's low 32 bits */
  int err;        /* errno returned instead of running the syscall */
  int notify;     /* instead of an errno: SECCOMP_RET_USER_NOTIF, answered by the supervisor */
};

#define FDK_MAX_RULES 64

struct fdk_plan {
  struct fdk_rule rules[FDK_MAX_RULES];
  size_t nrules;
  int hide_proc;
  /* Non-zero: RLIMIT_NOFILE is emulated with this soft and hard limit at the
   * start (huge-nofile), by a supervisor answering the notify rules. */
  uint64_t nofile;
};

/* What Docker on current systemd hosts gives a container: systemd raises
 * fs.nr_open to its maximum, 2^30 - 8 (the largest multiple of the word size
 * the fd table code accepts), and the container runtime copies it into the
 * soft and hard RLIMIT_NOFILE. */
#define FDK_HUGE_NOFILE 1073741816ULL

struct fdk_personality {
  const char *name;
  const char *description;
};

extern const struct fdk_personality fdk_personalities[];
extern const size_t fdk_personality_count;

/* Adds the rules of one personality (or of a+b+c) to the plan.
 * Returns 0, or -1 with the unknown part copied to *bad. */
int fdk_plan_add_personality(struct fdk_plan *plan, const char *spec, const char **bad);
/* Adds one rule; returns -1 when the plan is full. */
int fdk_plan_add_rule(struct fdk_plan *plan, struct fdk_rule rule);

/* ---- the filter (filter.c) ----------------------------------------------- */

/* 0 when this build can filter this architecture, else -1. */
int fdk_filter_supported(void);
/* 1 when a rule of the plan notifies a supervisor. */
int fdk_plan_notifies(const struct fdk_plan *plan);
/* Sets no_new_privs and installs the plan's filter. Returns 0 or -errno.
 * When the plan notifies, *listener receives the notification fd (CLOEXEC);
 * otherwise it is set to -1. */
int fdk_filter_install(const struct fdk_plan *plan, int *listener);

/* ---- /proc (noproc.c) ---------------------------------------------------- */

/* Moves the process into a private mount namespace where /proc is an empty
 * read-only tmpfs. Returns 0, or -errno with *why naming the failed step. */
int fdk_hide_proc(const char **why);

/* ---- the RLIMIT_NOFILE emulation (nofile.c, supervise.c) ----------------- */

/* Which syscall, ABI and structure layout a notification is about. */
enum fdk_rl_layout {
  FDK_RL_64,        /* struct rlimit64 / 64-bit struct rlimit: two u64 */
  FDK_RL_COMPAT,    /* struct compat_rlimit: two u32, 0xffffffff is infinity */
  FDK_RL_COMPAT_OLD /* i386 old getrlimit: two u32, clamped to 0x7fffffff */
};

struct fdk_nofile;

/* The emulation's state: every emulated process's limits. `start` is the
 * soft and hard limit the root process begins with; `root` its pid. */
struct fdk_nofile *fdk_nofile_new(uint64_t start, pid_t root);
/* Answers one notification read from `listener`. Returns 0, or -errno when
 * the listener itself failed (ENOENT: the caller went away, is not an error). */
int fdk_nofile_answer(struct fdk_nofile *st, int listener);

/* Runs argv[0] (looked up in PATH) as a child under the plan, RLIMIT_NOFILE
 * emulated, supervises it until it exits and returns its wait status, or -1
 * when it could not be started (the reason is on stderr). */
int fdk_run_supervised(const struct fdk_plan *plan, const char *as, char **argv);

/* ---- the wrapper (main.c) ------------------------------------------------ */

enum { EXIT_USAGE = 2, EXIT_UNAVAILABLE = 3, EXIT_CANNOT_RUN = 126, EXIT_NOT_FOUND = 127 };
extern const char *prog_name;

/* Hides /proc and installs the filter as the plan says, in this process.
 * Returns 0 (with *listener set when the plan notifies) or the exit status
 * to leave with, the reason on stderr. */
int fdk_apply(const struct fdk_plan *plan, const char *as, int *listener);
/* execvp(argv[0], argv); on failure the message is on stderr and the exit
 * status (126 or 127) is returned. */
int fdk_exec(char **argv);

#endif

/*
 * fdaudit launcher core: vfork + fd plan + seal + RLIMIT_NOFILE + execve.
 *
 * Plain C11, no Node headers, so it can be built and tested alone (see
 * native/launch/test_launch.c). Variants (fork, posix_spawn, the mutants)
 * implement the same entry-point signature in native/variants/ so the audit
 * can swap one for another without touching the sealed path.
 */
#ifndef FDAUDIT_LAUNCH_H
#define FDAUDIT_LAUNCH_H

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How the child's fds above the plan are closed. Values cross to JS by name. */
enum fda_strategy {
  FDA_CLOSE_NONE = 0,     /* seal == 0: nothing closed (deliberate leak) */
  FDA_CLOSE_AUTO,         /* request only: pick at run time */
  FDA_CLOSE_RANGE,        /* close_range(2) over the gaps */
  FDA_CLOSE_PROC,         /* getdents64 walk of /proc/self/fd */
  FDA_CLOSE_POLL,         /* poll() in batches to find open fds, close those */
  FDA_CLOSE_LOOP,         /* close() every number up to a complete bound */
  FDA_CLOSE__COUNT
};

enum fda_rlimit_mode {
  FDA_RLIMIT_FD_SETSIZE = 0, /* soft = min(FD_SETSIZE, hard), only if above */
  FDA_RLIMIT_INHERIT,        /* leave as is */
  FDA_RLIMIT_EXPLICIT        /* soft/hard given (validated by the caller) */
};

/* The step that failed; crosses to JS as LaunchError.syscall. */
enum fda_step {
  FDA_STEP_NONE = 0,
  FDA_STEP_VFORK,
  FDA_STEP_SIGACTION,
  FDA_STEP_FCNTL,      /* F_DUPFD_CLOEXEC / F_SETFD while moving sources */
  FDA_STEP_DUP2,
  FDA_STEP_CLOSE_RANGE,
  FDA_STEP_CLOSE,      /* a fallback could not finish sealing */
  FDA_STEP_SETRLIMIT,
  FDA_STEP_CHDIR,
  FDA_STEP_SIGPROCMASK,
  FDA_STEP_EXECVE,
  FDA_STEP_POSIX_SPAWN, /* variants only */
  FDA_STEP_SETPGID,
  FDA_STEP_FORK,        /* variants only */
  FDA_STEP__COUNT
};

struct fda_plan {
  const char *file;          /* path given to execve (PATH lookup is the caller's) */
  char *const *argv;         /* NULL-terminated; argv[0] is argv0 */
  char *const *envp;         /* NULL-terminated */
  const char *cwd;           /* NULL: inherit */
  const int *stdio;          /* stdio[i] becomes fd i; -1 closes slot i */
  int nstdio;
  const int *keep;           /* passed through at their own number, all >= nstdio */
  int nkeep;
  int seal;                  /* 0: close nothing (deliberate leak) */
  int strategy;              /* enum fda_strategy; AUTO unless forced */
  int rlimit_mode;           /* enum fda_rlimit_mode */
  rlim_t rlimit_soft;        /* FDA_RLIMIT_EXPLICIT only */
  rlim_t rlimit_hard;        /* FDA_RLIMIT_EXPLICIT only; RLIM_INFINITY-safe */
  int rlimit_set_hard;       /* EXPLICIT: also set the hard limit */
  sigset_t child_mask;       /* installed just before execve */
  sigset_t child_ignore;     /* set to SIG_IGN in the child; all others SIG_DFL */
  int setpgid;               /* 1: setpgid(0, 0) in the child (LaunchOptions.processGroup) */
  int want_pidfd;            /* 1: also hand back a pidfd for the child (fda_spawn only; -1 where it cannot) */
};

struct fda_result {
  pid_t pid;                 /* > 0 once the child exists, even if it failed */
  int err;                   /* 0 or errno of the failing step; 0 too when the child was killed (see signal) */
  int step;                  /* enum fda_step: the failing step, or the one the child was in when it died */
  int strategy;              /* enum fda_strategy that sealed the child */
  int signal;                /* the signal that killed the child before execve, else 0 */
  int pidfd;                 /* with plan->want_pidfd: a CLOEXEC pidfd of the running child, else -1; the caller closes it */
  unsigned int fd_bound;     /* numbers the poll/loop seal visited: every fd the child had was below it (0: none) */
};

/*
 * Starts the child. Returns 0 when execve succeeded (result->pid is running),
 * -1 otherwise with result->err/step set, or, for a child that died before
 * execve (a signal: a seccomp kill, the OOM killer), result->signal and the
 * step it was in. A child that was created but failed has already been
 * reaped (result->pid is then informational): no pid of a program that never
 * ran is handed back as launched.
 */
typedef int (*fda_spawn_fn)(const struct fda_plan *plan, struct fda_result *result);

/* A result with nothing in it yet (no pid, no error, no pidfd). */
static inline void fda_result_init(struct fda_result *r) {
  r->pid = 0;
  r->err = 0;
  r->step = FDA_STEP_NONE;
  r->strategy = FDA_CLOSE_NONE;
  r->signal = 0;
  r->pidfd = -1;
  r->fd_bound = 0;
}

int fda_spawn(const struct fda_plan *plan, struct fda_result *result);

const char *fda_strategy_name(int strategy);
int fda_strategy_from_name(const char *name); /* -1 if unknown */
const char *fda_step_name(int step);

/*
 * sigset_t helpers for signals 1..64 that, unlike glibc's sigaddset, accept
 * 32 and 33 (glibc's own); return -1 for numbers outside 1..64.
 */
int fda_sigset_add(sigset_t *set, int sig);
int fda_sigset_has(const sigset_t *set, int sig);

#ifdef __cplusplus
}
#endif

#endif

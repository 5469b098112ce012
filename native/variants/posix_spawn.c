/*
 * Variant `posix_spawn`: glibc's posix_spawn with the plan expressed as file
 * actions, so the audit shows what glibc itself does with them.
 *
 * What glibc cannot do, and this variant therefore does not pretend to:
 *  - lower RLIMIT_NOFILE in the child (there is no spawn attribute for it):
 *    under the default policy the child keeps the parent's soft limit, and
 *    an explicit limit is refused with EINVAL;
 *  - set a disposition to SIG_IGN: POSIX_SPAWN_SETSIGDEF can only reset, so
 *    a signal in plan->child_ignore is accepted only if the parent ignores
 *    it already (it then stays ignored), else EINVAL;
 *  - be told which close strategy to use: closefrom is close_range with a
 *    /proc/self/fd walk behind it, so a forced strategy is refused (EINVAL).
 * And what it does on its own: the default set is built with sigfillset,
 * which leaves out glibc's internal signals 32 and 33 (as every program that
 * builds it the usual way does); the child blocks them during the spawn and
 * so sets them to SIG_IGN, and the program starts with SIG32 and SIG33
 * ignored. The audit shows that as glibc's behaviour.
 * Failures are reported with step `posix_spawn`: glibc returns one errno and
 * no step (one misleading case is attributed to `close`, see closefrom_failed).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "variants.h"

#if !defined(__GLIBC__) || __GLIBC__ < 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ < 34)
#error "the posix_spawn variant needs glibc >= 2.34 (posix_spawn_file_actions_addclosefrom_np)"
#endif

/*
 * Which sealing path glibc's closefrom action takes in the child: close_range
 * when the kernel accepts it, else the /proc/self/fd walk. The same call made
 * here, on a range that holds no fd, gets the same answer from the same
 * kernel (a seccomp filter is inherited by the child, so it agrees too).
 */
static int glibc_closefrom_strategy(void) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, ~0U, ~0U, 0) == 0) return FDA_CLOSE_RANGE;
#endif
  return FDA_CLOSE_PROC;
}

/*
 * glibc returns one errno for the whole spawn. One case is told apart
 * because its errno misleads: with close_range refused and /proc hidden,
 * closefrom's /proc walk fails with ENOENT, which reads like a missing
 * program. When the program is there and /proc is not, the step is `close`.
 */
static int closefrom_failed(const struct fda_plan *p, int strategy, int err) {
  if (!p->seal || strategy != FDA_CLOSE_PROC || err != ENOENT) return 0;
  if (p->cwd != NULL && p->file[0] != '/') return 0; /* cannot check the program from here */
  return access(p->file, X_OK) == 0 && access("/proc/self/fd", F_OK) != 0;
}

static int int_cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Copies of the stdio sources, made in the parent and closed after the spawn. */
struct source_copies {
  int *fd;
  int n;
};

static void close_copies(struct source_copies *c) {
  for (int i = 0; i < c->n; i++)
    if (c->fd[i] >= 0) close(c->fd[i]);
  free(c->fd);
  c->fd = NULL;
  c->n = 0;
}

/*
 * The stdio plan as file actions. File actions run in order, so a plan like
 * [1, 0] would read a slot already overwritten. Each source is first copied
 * in the parent to a number >= nstdio (F_DUPFD_CLOEXEC): no target slot can
 * hold a copy, and the copies themselves never reach the program (CLOEXEC,
 * and closefrom takes them anyway). A slot planned closed is a plain close
 * action, whose EBADF glibc ignores: closing a slot that is not open is not
 * an error.
 */
static int add_stdio_actions(posix_spawn_file_actions_t *fa, const struct fda_plan *plan,
                             struct source_copies *copies) {
  int n = plan->nstdio;
  copies->n = 0;
  copies->fd = n > 0 ? malloc(sizeof(int) * (size_t)n) : NULL;
  if (n > 0 && copies->fd == NULL) return ENOMEM;
  for (int i = 0; i < n; i++) {
    copies->fd[i] = -1;
    copies->n = i + 1;
    if (plan->stdio[i] < 0) continue;
    int c = fcntl(plan->stdio[i], F_DUPFD_CLOEXEC, n);
    if (c < 0) return errno;
    copies->fd[i] = c;
  }
  for (int i = 0; i < n; i++) {
    int rc = copies->fd[i] >= 0 ? posix_spawn_file_actions_adddup2(fa, copies->fd[i], i)
                                : posix_spawn_file_actions_addclose(fa, i);
    if (rc != 0) return rc;
  }
  return 0;
}

/*
 * Keep fds stay at their number: adddup2(k, k) makes glibc clear FD_CLOEXEC
 * (Austin Group issue 411, glibc >= 2.29) and fails the spawn if k is not
 * open. Everything else >= nstdio is closed: the gaps between keep fds with
 * close actions, the rest with one closefrom. glibc only accepts fds below
 * the soft limit in file actions, so a keep fd above it fails with EBADF
 * rather than leaving its gap open.
 */
static int add_seal_actions(posix_spawn_file_actions_t *fa, const struct fda_plan *plan) {
  int nk = plan->nkeep;
  int *keep = NULL;
  if (nk > 0) {
    keep = malloc(sizeof(int) * (size_t)nk);
    if (keep == NULL) return ENOMEM;
    memcpy(keep, plan->keep, sizeof(int) * (size_t)nk);
    qsort(keep, (size_t)nk, sizeof(int), int_cmp);
  }
  int rc = 0;
  int next = plan->nstdio; /* lowest number not yet handled */
  for (int j = 0; j < nk && rc == 0; j++) {
    int k = keep[j];
    if (k < next) continue; /* duplicate entry */
    for (int fd = next; fd < k && rc == 0; fd++) rc = posix_spawn_file_actions_addclose(fa, fd);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(fa, k, k);
    next = k + 1;
  }
  if (rc == 0 && plan->seal) rc = posix_spawn_file_actions_addclosefrom_np(fa, next);
  free(keep);
  return rc;
}

static int keep_only_actions(posix_spawn_file_actions_t *fa, const struct fda_plan *plan) {
  for (int j = 0; j < plan->nkeep; j++) {
    int rc = posix_spawn_file_actions_adddup2(fa, plan->keep[j], plan->keep[j]);
    if (rc != 0) return rc;
  }
  return 0;
}

static int set_attrs(posix_spawnattr_t *attr, const struct fda_plan *plan) {
  sigset_t def;
  sigfillset(&def);
  for (int sig = 1; sig < NSIG; sig++)
    if (sigismember(&plan->child_ignore, sig) == 1) sigdelset(&def, sig);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  int rc = posix_spawnattr_setsigmask(attr, &plan->child_mask);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(attr, &def);
  if (rc == 0 && plan->setpgid) {
    flags |= POSIX_SPAWN_SETPGROUP;
    rc = posix_spawnattr_setpgroup(attr, 0);
  }
  if (rc == 0) rc = posix_spawnattr_setflags(attr, flags);
  return rc;
}

/* The core's shape rules (launch/spawn.c), so a plan means the same to every launcher. */
static int plan_shape_ok(const struct fda_plan *p) {
  if (!p->file || !p->argv || !p->envp || p->nstdio < 0 || p->nkeep < 0) return 0;
  if ((p->nstdio && !p->stdio) || (p->nkeep && !p->keep)) return 0;
  for (int i = 0; i < p->nstdio; i++)
    if (p->stdio[i] < -1) return 0;
  for (int i = 0; i < p->nkeep; i++)
    if (p->keep[i] < p->nstdio) return 0;
  if (p->seal && (p->strategy < FDA_CLOSE_AUTO || p->strategy > FDA_CLOSE_LOOP)) return 0;
  return p->rlimit_mode >= FDA_RLIMIT_FD_SETSIZE && p->rlimit_mode <= FDA_RLIMIT_EXPLICIT;
}

/*
 * What the plan asks that glibc cannot do is refused rather than silently
 * dropped: a forced strategy other than the one closefrom takes, an explicit
 * limit, a signal to ignore that the parent does not ignore already. The
 * default limit policy is not refused: that the child keeps the parent's
 * soft limit is exactly what the audit must show for posix_spawn.
 */
static int glibc_can_follow(const struct fda_plan *p, int strategy) {
  if (p->seal && p->strategy != FDA_CLOSE_AUTO && p->strategy != strategy) return 0;
  if (p->rlimit_mode == FDA_RLIMIT_EXPLICIT) return 0;
  for (int sig = 1; sig < NSIG; sig++) {
    if (sigismember(&p->child_ignore, sig) != 1) continue;
    struct sigaction sa;
    if (sigaction(sig, NULL, &sa) != 0 || sa.sa_handler != SIG_IGN) return 0;
  }
  return 1;
}

int fda_spawn_posix_spawn(const struct fda_plan *plan, struct fda_result *result) {
  fda_result_init(result);
  if (!plan_shape_ok(plan) || !glibc_can_follow(plan, plan->seal ? glibc_closefrom_strategy() : FDA_CLOSE_NONE)) {
    result->err = EINVAL;
    result->step = FDA_STEP_POSIX_SPAWN;
    return -1;
  }
  result->strategy = plan->seal ? glibc_closefrom_strategy() : FDA_CLOSE_NONE;

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  struct source_copies copies = {NULL, 0};
  int rc = posix_spawn_file_actions_init(&fa);
  if (rc != 0) goto out_plain;
  rc = posix_spawnattr_init(&attr);
  if (rc != 0) goto out_fa;

  rc = add_stdio_actions(&fa, plan, &copies);
  if (rc == 0) rc = plan->seal ? add_seal_actions(&fa, plan) : keep_only_actions(&fa, plan);
  if (rc == 0 && plan->cwd != NULL) rc = posix_spawn_file_actions_addchdir_np(&fa, plan->cwd);
  if (rc == 0) rc = set_attrs(&attr, plan);
  if (rc == 0) {
    pid_t pid = 0;
    /* glibc reaps a child whose execve failed before returning the error. */
    rc = posix_spawn(&pid, plan->file, &fa, &attr, plan->argv, plan->envp);
    if (rc == 0) result->pid = pid;
  }

  close_copies(&copies);
  posix_spawnattr_destroy(&attr);
out_fa:
  posix_spawn_file_actions_destroy(&fa);
out_plain:
  if (rc != 0) {
    result->err = rc;
    result->step = closefrom_failed(plan, result->strategy, rc) ? FDA_STEP_CLOSE : FDA_STEP_POSIX_SPAWN;
    return -1;
  }
  return 0;
}

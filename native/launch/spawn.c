/*
 * fda_spawn: the sealed launcher. Parent side of vfork + fd plan + seal +
 * RLIMIT_NOFILE + execve; the child's steps are in child.c.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "sys.h"

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/*
 * Whether close_range works in this process, asked once on a range that
 * closes nothing. Only "works" is remembered: a seccomp filter installed
 * later can start refusing it, and then the child falls back with the
 * nr_open guess as its bound, complete though slower; a refusal is never
 * lifted, so asking again costs only the refused.
 */
static _Atomic int close_range_ok;

static int close_range_works(void) {
  if (atomic_load_explicit(&close_range_ok, memory_order_relaxed)) return 1;
  if (fda_sys_close_range(~0U, ~0U, 0) != 0) return 0;
  atomic_store_explicit(&close_range_ok, 1, memory_order_relaxed);
  return 1;
}

static int plan_is_valid(const struct fda_plan *p) {
  if (!p->file || !p->argv || !p->envp) return 0;
  if (p->nstdio < 0 || p->nkeep < 0) return 0;
  if ((p->nstdio && !p->stdio) || (p->nkeep && !p->keep)) return 0;
  for (int i = 0; i < p->nstdio; i++)
    if (p->stdio[i] < -1) return 0;
  for (int i = 0; i < p->nkeep; i++)
    if (p->keep[i] < p->nstdio) return 0; /* a keep fd in a slot would be overwritten */
  if (p->seal && (p->strategy < FDA_CLOSE_AUTO || p->strategy > FDA_CLOSE_LOOP)) return 0;
  if (p->rlimit_mode < FDA_RLIMIT_FD_SETSIZE || p->rlimit_mode > FDA_RLIMIT_EXPLICIT) return 0;
  return 1;
}

int fda_child_prepare(struct fda_child *c, const struct fda_plan *plan, struct fda_child_report *report) {
  memset(c, 0, sizeof *c);
  if (!plan_is_valid(plan)) {
    errno = EINVAL;
    return -1;
  }
  /* One block: pollfds, the dirent buffer, then the int arrays (all suitably aligned). */
  size_t poll_len = sizeof(struct pollfd) * FDA_POLL_BATCH;
  size_t len = poll_len + FDA_DIRBUF_SIZE + sizeof(int) * ((size_t)plan->nstdio + (size_t)plan->nkeep + 1);
  char *block = malloc(len);
  if (!block) return -1;
  c->block_ = block;
  c->pollbuf = (struct pollfd *)(void *)block;
  c->dirbuf = block + poll_len;
  c->moved = (int *)(void *)(block + poll_len + FDA_DIRBUF_SIZE);
  c->keep = c->moved + plan->nstdio;
  for (int i = 0; i < plan->nstdio; i++) c->moved[i] = -1;

  /* The caller's keep array is copied, never sorted in place (F7). */
  if (plan->nkeep) memcpy(c->keep, plan->keep, sizeof(int) * (size_t)plan->nkeep);
  qsort(c->keep, (size_t)plan->nkeep, sizeof(int), cmp_int);
  int n = 0;
  for (int i = 0; i < plan->nkeep; i++)
    if (n == 0 || c->keep[n - 1] != c->keep[i]) c->keep[n++] = c->keep[i];
  c->nkeep = n;

  c->plan = plan;
  c->report = report;
  report->err = 0;
  report->step = FDA_STEP_NONE;
  report->strategy = FDA_CLOSE_NONE;
  report->unshare = FDA_UNSHARE_NONE;

  /*
   * Only the number-walking strategies need a bound, and measuring it reads
   * /proc or probes with select. Under AUTO, ask the running kernel whether
   * close_range works (on a range that closes nothing); if it does, the
   * child will almost surely not fall back, and the cheap guess suffices
   * to stay complete if it does.
   */
  c->fd_bound = fda_fd_nr_open(); /* the child raises it to its own hard limit (child_bound) */
  c->fd_bound_exact = 0;
  if (plan->seal) {
    int need = plan->strategy == FDA_CLOSE_POLL || plan->strategy == FDA_CLOSE_LOOP;
    if (plan->strategy == FDA_CLOSE_AUTO && !close_range_works()) need = 1;
    if (need) c->fd_bound = fda_fd_bound(&c->fd_bound_exact);
  }
  return 0;
}

void fda_child_release(struct fda_child *c) {
  free(c->block_);
  c->block_ = NULL;
}

void fda_signals_block_all(sigset_t *old) {
  sigset_t all;
  memset(&all, 0xff, sizeof all);
  fda_sys_sigmask(SIG_SETMASK, &all, old);
}

void fda_signals_restore(const sigset_t *old) {
  fda_sys_sigmask(SIG_SETMASK, old, NULL);
}

int fda_child_collect(const struct fda_child *c, pid_t pid, struct fda_result *result) {
  result->pid = pid;
  result->strategy = c->report->strategy;
  if (c->report->err == 0) {
    result->err = 0;
    result->step = FDA_STEP_NONE;
    return 0;
  }
  result->err = c->report->err;
  result->step = c->report->step;
  /* The child has _exit(127)ed or is about to: reap exactly it, so no zombie is left (F4). */
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
  return -1;
}

int fda_child_finish(struct fda_child *c, pid_t pid, int start_err, int start_step, struct fda_result *result) {
  int rc;
  if (pid < 0) {
    result->err = start_err;
    result->step = start_step;
    rc = -1;
  } else {
    rc = fda_child_collect(c, pid, result);
  }
  fda_child_release(c);
  return rc;
}

/*
 * The child starts on the parent's fd table (CLONE_FILES) only where
 * close_range works, so fda_child_unshare_files can hand it a copy of just
 * the fds below unshare_from. Set once a child reports that UNSHARE or
 * clone itself was refused: from then on every launch uses plain vfork.
 */
static _Atomic int share_files_refused;

/* Under AUTO or forced close_range: the strategies that end in close_range and gain from a small copy. */
static int may_share_files(const struct fda_plan *plan) {
  if (!plan->seal || (plan->strategy != FDA_CLOSE_AUTO && plan->strategy != FDA_CLOSE_RANGE)) return 0;
  if (atomic_load_explicit(&share_files_refused, memory_order_relaxed)) return 0;
  return close_range_works();
}

/* 1 + the highest fd the plan reads or fills: below it everything is copied at the unshare. */
static unsigned int unshare_bound(const struct fda_plan *plan, const struct fda_child *c) {
  int top = plan->nstdio - 1;
  for (int i = 0; i < plan->nstdio; i++)
    if (plan->stdio[i] > top) top = plan->stdio[i];
  if (c->nkeep && c->keep[c->nkeep - 1] > top) top = c->keep[c->nkeep - 1];
  return (unsigned int)(top + 1);
}

/*
 * The child's stack under clone: a region of this thread's own stack, in the
 * frame of fda_spawn_shared, which stays put until the child has exec'd or
 * exited (CLONE_VFORK). The steps need a few hundred bytes; the rest is
 * headroom for the sanitizer build.
 */
#define FDA_CHILD_STACK 32768

static int files_child(void *arg) {
  fda_child_main(arg);
}

/* clone(CLONE_VM | CLONE_VFORK | CLONE_FILES): vfork that shares the fd table until the child unshares it. */
static pid_t clone_sharing_files(struct fda_child *c) {
  _Alignas(16) char stack[FDA_CHILD_STACK];
  /* Only the child writes the stack; the stack grows down on every architecture this builds for. */
  return clone(files_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, c);
}

int fda_spawn(const struct fda_plan *plan, struct fda_result *result) {
  struct fda_child_report report;
  struct fda_child c;
  memset(result, 0, sizeof *result);
  if (fda_child_prepare(&c, plan, &report) != 0) {
    result->err = errno;
    result->step = FDA_STEP_VFORK;
    return -1;
  }
  c.files_shared = may_share_files(plan);
  if (c.files_shared) c.unshare_from = unshare_bound(plan, &c);

  /*
   * Every signal blocked in this thread while the child borrows its stack: a
   * handler running in the child would run the parent's code on the
   * parent's stack (F5). The child resets dispositions before it unblocks.
   */
  sigset_t old;
  fda_signals_block_all(&old);
  pid_t pid;
  int spawn_err;
  if (c.files_shared) {
    pid = clone_sharing_files(&c);
    spawn_err = errno;
    if (pid < 0 || report.unshare != FDA_UNSHARE_RANGE) {
      /* clone refused, or the child had to copy the whole table: vfork from now on. */
      atomic_store_explicit(&share_files_refused, 1, memory_order_relaxed);
    }
    if (pid > 0 && report.unshare == FDA_UNSHARE_REFUSED) {
      /* It touched nothing and exited: reap it and start over with vfork. */
      while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
      }
      pid = -1;
    }
    if (pid < 0) {
      c.files_shared = 0;
      report.err = 0;
      report.step = FDA_STEP_NONE;
      report.strategy = FDA_CLOSE_NONE;
      report.unshare = FDA_UNSHARE_NONE;
    }
  } else {
    pid = -1;
  }
  if (!c.files_shared) {
    pid = vfork();
    if (pid == 0) fda_child_main(&c);
    spawn_err = errno;
  }
  fda_signals_restore(&old);
  return fda_child_finish(&c, pid, spawn_err, FDA_STEP_VFORK, result);
}

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
 * later can start refusing it, and then the child falls back, measuring its
 * own table as always; a refusal is never lifted, so asking again costs only
 * the refused.
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
  /*
   * One block: pollfds, the dirent buffer, the select bits, then the int
   * arrays (all suitably aligned). Nothing is cleared here: the child zeroes
   * only as many select words as its table needs.
   */
  size_t poll_len = sizeof(struct pollfd) * FDA_POLL_BATCH;
  size_t sel_len = FDA_SELECT_BITS / 8;
  size_t len = poll_len + FDA_DIRBUF_SIZE + sel_len + sizeof(int) * ((size_t)plan->nstdio + (size_t)plan->nkeep + 1);
  char *block = malloc(len);
  if (!block) return -1;
  c->block_ = block;
  c->pollbuf = (struct pollfd *)(void *)block;
  c->dirbuf = block + poll_len;
  c->selbits = (unsigned long *)(void *)(block + poll_len + FDA_DIRBUF_SIZE);
  c->moved = (int *)(void *)(block + poll_len + FDA_DIRBUF_SIZE + sel_len);
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
  report->stage = FDA_STEP_VFORK;
  report->bound = 0;

  /*
   * The number-walking strategies measure the child's own table in the
   * child (fda_child_fd_bound); nr_open is only their last resort, read
   * once per process (cached) where they may run.
   */
  c->nr_open = 0;
  if (plan->seal) {
    int walks = plan->strategy == FDA_CLOSE_POLL || plan->strategy == FDA_CLOSE_LOOP;
    if (walks || (plan->strategy == FDA_CLOSE_AUTO && !close_range_works())) c->nr_open = fda_fd_nr_open();
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

#ifndef __WALL
#define __WALL 0x40000000
#endif

int fda_child_collect(const struct fda_child *c, pid_t pid, struct fda_result *result) {
  result->pid = pid;
  result->strategy = c->report->strategy;
  result->fd_bound = c->report->bound;
  result->signal = 0;
  int err = c->report->err;
  /*
   * The child only calls execve after recording that stage, and the parent
   * only runs on (vfork) or reads this (fork: pipe EOF) once the child has
   * exec'd or gone. So no error and a stage before execve means it was
   * killed in that stage: never a launched program.
   */
  if (err == 0 && c->report->stage == FDA_STEP_EXECVE) {
    result->err = 0;
    result->step = FDA_STEP_NONE;
    return 0;
  }
  result->step = err ? c->report->step : c->report->stage;
  /*
   * Reap exactly this child, so no zombie is left (F4). __WALL: the core
   * starts its child with no exit signal (spawn.c), which the kernel counts
   * as a clone child.
   */
  int st = 0;
  pid_t r;
  do r = waitpid(pid, &st, __WALL);
  while (r < 0 && errno == EINTR);
  if (err == 0) {
    if (r == pid && WIFSIGNALED(st)) result->signal = WTERMSIG(st);
    /* Gone without a report nor a signal (cannot happen), or reaped by the kernel (SIGCHLD ignored). */
    else err = r == pid ? EIO : ECHILD;
  }
  result->err = err;
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
 * the fds below unshare_from. Set once a child reports that UNSHARE was
 * refused, or clone with CLONE_FILES was: from then on every launch copies
 * the table as vfork does.
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
 * frame of start_child, which stays put until the child has exec'd or
 * exited (CLONE_VFORK). The steps need a few hundred bytes; the rest is
 * headroom for the sanitizer build.
 */
#define FDA_CHILD_STACK 32768

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

static int child_entry(void *arg) {
  fda_child_main(arg);
}

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/*
 * The child's frames poison their redzones in shadow memory it shares with
 * us (CLONE_VM); a child that exec'd or was killed mid-step never returns to
 * clear them, and the next child on the same stack would trip over them.
 */
#define FDA_CHILD_STACK_DONE(stack) __asan_unpoison_memory_region((stack), sizeof(stack))
#else
#define FDA_CHILD_STACK_DONE(stack) ((void)0)
#endif

/*
 * vfork as a clone: CLONE_VM | CLONE_VFORK on a stack of our own, plus
 *  - CLONE_FILES when the child is to start on the parent's fd table;
 *  - CLONE_PIDFD when a pidfd is wanted: the kernel hands it over with the
 *    pid, so there is no window in which the pid could be reaped and reused
 *    before a pidfd_open; a kernel before 5.2 ignores the flag and *pidfd
 *    stays -1;
 *  - no exit signal: a child that dies before execve stays a zombie for
 *    fda_child_collect even when this process ignores SIGCHLD (the kernel
 *    reaps at once only children whose exit signal is SIGCHLD), and does
 *    not wake the event loop's SIGCHLD handler. execve makes the exit
 *    signal SIGCHLD again, so the program ends like any child.
 * A full table (EMFILE) or a kernel that refuses the flag: again without a pidfd.
 */
static pid_t start_child(struct fda_child *c, int share_files, int want_pidfd, int *pidfd) {
  _Alignas(16) char stack[FDA_CHILD_STACK];
  int flags = CLONE_VM | CLONE_VFORK | (share_files ? CLONE_FILES : 0);
  *pidfd = -1;
  /* With a shared table the pidfd lands in it before the child runs: the child must know its number. */
  c->foreign_fd = share_files && want_pidfd ? pidfd : NULL;
  /* Only the child writes the stack; the stack grows down on every architecture this builds for. */
  pid_t pid = want_pidfd ? clone(child_entry, stack + sizeof stack, flags | CLONE_PIDFD, c, pidfd) : -1;
  if (pid < 0) {
    *pidfd = -1;
    c->foreign_fd = NULL;
    pid = clone(child_entry, stack + sizeof stack, flags, c);
  }
  FDA_CHILD_STACK_DONE(stack);
  return pid;
}

static void reset_report(struct fda_child_report *r) {
  r->err = 0;
  r->step = FDA_STEP_NONE;
  r->strategy = FDA_CLOSE_NONE;
  r->unshare = FDA_UNSHARE_NONE;
  r->stage = FDA_STEP_VFORK;
  r->bound = 0;
}

int fda_spawn(const struct fda_plan *plan, struct fda_result *result) {
  struct fda_child_report report;
  struct fda_child c;
  memset(result, 0, sizeof *result);
  result->pidfd = -1;
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
  int pidfd = -1;
  pid_t pid = -1;
  int spawn_err = 0;
  if (c.files_shared) {
    pid = start_child(&c, 1, plan->want_pidfd, &pidfd);
    spawn_err = errno;
    if (pid < 0 || report.unshare == FDA_UNSHARE_FULL || report.unshare == FDA_UNSHARE_REFUSED) {
      /* clone refused, or the child had to copy the whole table: copy as vfork does from now on. */
      atomic_store_explicit(&share_files_refused, 1, memory_order_relaxed);
    }
    if (pid > 0 && report.unshare == FDA_UNSHARE_REFUSED) {
      /* It touched nothing and exited: reap it and start over with a copied table. */
      while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR) {
      }
      if (pidfd >= 0) close(pidfd);
      pid = -1;
    }
    if (pid < 0) {
      c.files_shared = 0;
      reset_report(&report);
    }
  }
  if (!c.files_shared) {
    pid = start_child(&c, 0, plan->want_pidfd, &pidfd);
    spawn_err = errno;
  }
  if (pid < 0) {
    /* clone itself refused (a sandbox that allows only fork/vfork): plain vfork, no pidfd. */
    pid = vfork();
    if (pid == 0) fda_child_main(&c);
    spawn_err = errno;
  }
  fda_signals_restore(&old);
  int rc = fda_child_finish(&c, pid, spawn_err, FDA_STEP_VFORK, result);
  if (rc == 0) result->pidfd = pidfd;
  else if (pidfd >= 0) close(pidfd);
  return rc;
}

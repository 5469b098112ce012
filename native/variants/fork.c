/*
 * Variant `fork`: fork() and the core's child steps, sealing included.
 *
 * Unlike vfork, the parent runs on as soon as fork returns, so it needs to be
 * told when the child is done: the child's report lives in a MAP_SHARED page,
 * and a close-on-exec pipe reaches EOF when the child has exec'd or died.
 * Only then is the report read, and a child that failed is reaped there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "frame.h"

/*
 * The seal closes everything outside the plan, which would close the pipe's
 * write end early and fake an exec. So the child is prepared from a copy of
 * the plan whose keep list also holds the write end, and the write end gets
 * FD_CLOEXEC back after the keep step cleared it: execve is what closes it.
 */
/* Write end, as seen by the child; per thread, so concurrent launches from worker threads do not mix. */
static _Thread_local int report_fd = -1;

static int reclose_on_exec(struct fda_child *c) {
  if (fda_sys_fcntl(report_fd, F_SETFD, FD_CLOEXEC) != 0) return fda_child_fail(c, errno, FDA_STEP_FCNTL);
  return 0;
}

static int clear_keep_but_report_fd(struct fda_child *c) {
  if (fda_child_clear_keep_cloexec(c) != 0) return -1;
  return reclose_on_exec(c);
}

static const struct fda_child_steps fork_steps = {
  .reset_signals = fda_child_reset_signals,
  .fd_plan = fda_core_fd_plan,
  .clear_keep = clear_keep_but_report_fd,
  .seal = fda_child_seal,
  .set_rlimit = fda_child_set_rlimit,
  .chdir = fda_child_chdir,
  .setpgid = fda_child_setpgid,
  .set_mask = fda_child_set_mask,
};

static int fail(struct fda_result *r, int err, int step) {
  r->err = err;
  r->step = step;
  return -1;
}

/*
 * The pipe's ends must sit at or above nstdio: a low number could be a slot
 * the plan overwrites (a parent with fd 0 closed gets pipe() = {0, 3}).
 */
static int pipe_above(int fds[2], int min) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  for (int i = 0; i < 2; i++) {
    fds[i] = p[i] >= min ? p[i] : fcntl(p[i], F_DUPFD_CLOEXEC, min);
    if (fds[i] < 0) {
      int e = errno;
      if (i == 1 && fds[0] != p[0]) close(fds[0]);
      close(p[0]);
      close(p[1]);
      errno = e;
      return -1;
    }
  }
  for (int i = 0; i < 2; i++)
    if (fds[i] != p[i]) close(p[i]);
  return 0;
}

int fda_spawn_fork(const struct fda_plan *plan, struct fda_result *result) {
  fda_result_init(result);
  if (plan->nkeep < 0 || plan->nstdio < 0 || (plan->nkeep > 0 && plan->keep == NULL))
    return fail(result, EINVAL, FDA_STEP_FORK);

  int p[2];
  if (pipe_above(p, plan->nstdio > 3 ? plan->nstdio : 3) != 0) return fail(result, errno, FDA_STEP_FORK);

  struct fda_plan with_pipe = *plan;
  int *keep = malloc(sizeof(int) * ((size_t)plan->nkeep + 1));
  if (keep == NULL) {
    close(p[0]);
    close(p[1]);
    return fail(result, ENOMEM, FDA_STEP_FORK);
  }
  if (plan->nkeep > 0) memcpy(keep, plan->keep, sizeof(int) * (size_t)plan->nkeep);
  keep[plan->nkeep] = p[1];
  with_pipe.keep = keep;
  with_pipe.nkeep = plan->nkeep + 1;

  struct fda_child_report *report =
      mmap(NULL, sizeof *report, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  struct fda_child c;
  int rc = -1;
  if (report == MAP_FAILED) {
    fail(result, errno, FDA_STEP_FORK);
    goto out_pipe;
  }
  if (fda_child_prepare(&c, &with_pipe, report) != 0) {
    fail(result, errno, FDA_STEP_FORK);
    goto out_map;
  }

  report_fd = p[1];
  sigset_t old;
  /* A handler of the parent must not run in the child before its reset. */
  fda_signals_block_all(&old);
  pid_t pid = fork();
  if (pid == 0) fda_variant_child_run(&c, &fork_steps);
  int saved = errno;
  fda_signals_restore(&old);

  if (pid < 0) {
    fail(result, saved, FDA_STEP_FORK);
  } else {
    close(p[1]);
    p[1] = -1;
    char byte;
    ssize_t n;
    /* Nothing is ever written: EOF is the signal (exec or exit). */
    do n = read(p[0], &byte, 1);
    while (n < 0 && errno == EINTR);
    rc = fda_child_collect(&c, pid, result);
  }
  fda_child_release(&c);
out_map:
  munmap(report, sizeof *report);
out_pipe:
  free(keep);
  close(p[0]);
  if (p[1] >= 0) close(p[1]);
  return rc;
}

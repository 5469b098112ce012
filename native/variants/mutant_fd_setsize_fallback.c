/*
 * mutant:fd-setsize-fallback — flaw F3 in the seal; every other step is the
 * core's.
 *
 * Whether close_range is tried is decided by the build-time headers, not by
 * the running kernel; when it is missing from the headers, refused by the
 * kernel (ENOSYS before 5.9, EPERM under a container's seccomp profile), or
 * when another strategy is forced, the fallback closes every number from
 * nstdio up to FD_SETSIZE only. Fds at 1024 and above reach the child, and
 * lowering the soft limit afterwards closes nothing.
 *
 * On a kernel with close_range and the default strategy it seals completely,
 * so only a forced strategy (or a kernel personality) exposes it.
 */
#include <errno.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "frame.h"

static int is_kept(const struct fda_child *c, int fd) {
  for (int j = 0; j < c->nkeep; j++)
    if (c->keep[j] == fd) return 1;
  return 0;
}

static int seal_below_fd_setsize(struct fda_child *c) {
  const struct fda_plan *p = c->plan;
  if (!p->seal) {
    c->report->strategy = FDA_CLOSE_NONE;
    return 0;
  }
#ifdef SYS_close_range
  if ((p->strategy == FDA_CLOSE_AUTO || p->strategy == FDA_CLOSE_RANGE) && fda_seal_close_range(c) == 0) {
    c->report->strategy = FDA_CLOSE_RANGE;
    return 0;
  }
#endif
  for (int fd = p->nstdio; fd < FD_SETSIZE; fd++)
    if (!is_kept(c, fd)) fda_sys_close(fd);
  c->report->strategy = FDA_CLOSE_LOOP;
  return 0;
}

int fda_spawn_mutant_fd_setsize_fallback(const struct fda_plan *plan, struct fda_result *result) {
  /* The core's steps, with the flawed one swapped in. */
  struct fda_child_steps steps = fda_core_steps;
  steps.seal = seal_below_fd_setsize; /* the flaw */
  return fda_variant_vfork(plan, result, &steps, FDA_FRAME_BLOCK_SIGNALS);
}

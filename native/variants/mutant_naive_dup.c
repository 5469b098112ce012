/*
 * mutant:naive-dup — flaws F1 and F2 in the fd plan; every other step is the
 * core's.
 *
 * F1: sources are saved with plain dup(), which returns the lowest free
 * number, possibly a slot below nstdio. When the parent's fd 0 is closed,
 * the first saved source lands in slot 0, and the slot is then closed (plan
 * [-1, P, 2]: close(0) takes the saved P away and dup2 fails with EBADF) or
 * the tidy-up close of the saved copies closes it (plan [X, P, 2]: the child
 * starts with fd 0 closed).
 * F2: a slot planned closed that is not open fails the launch with EBADF.
 *
 * With fds 0..nstdio-1 open in the parent every dup() lands above the plan
 * and the result is right: that is why the flaw survives casual testing.
 */
#include <errno.h>
#include <unistd.h>

#include "frame.h"

/* At most this many slots; the audit's plans are far smaller. */
#define NAIVE_MAX_SLOTS 64

static int naive_fd_plan(struct fda_child *c) {
  const struct fda_plan *p = c->plan;
  int saved[NAIVE_MAX_SLOTS];
  if (p->nstdio > NAIVE_MAX_SLOTS) return fda_child_fail(c, E2BIG, FDA_STEP_DUP2);
  for (int i = 0; i < p->nstdio; i++) {
    saved[i] = -1;
    if (p->stdio[i] >= 0 && (saved[i] = fda_sys_dup(p->stdio[i])) < 0)
      return fda_child_fail(c, errno, FDA_STEP_DUP2);
  }
  for (int i = 0; i < p->nstdio; i++) {
    if (saved[i] < 0) {
      if (fda_sys_close(i) != 0) return fda_child_fail(c, errno, FDA_STEP_CLOSE);
    } else if (saved[i] != i && fda_sys_dup2(saved[i], i) < 0) {
      return fda_child_fail(c, errno, FDA_STEP_DUP2);
    }
  }
  for (int i = 0; i < p->nstdio; i++)
    if (saved[i] >= 0) fda_sys_close(saved[i]);
  return 0;
}

int fda_spawn_mutant_naive_dup(const struct fda_plan *plan, struct fda_result *result) {
  /* The core's steps, with the flawed one swapped in. */
  struct fda_child_steps steps = fda_core_steps;
  steps.fd_plan = naive_fd_plan; /* the flaw */
  return fda_variant_vfork(plan, result, &steps, FDA_FRAME_BLOCK_SIGNALS);
}

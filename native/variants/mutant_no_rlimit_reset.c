/*
 * mutant:no-rlimit-reset — the opposite of flaw F6: with the default policy
 * (rlimit 'fd-setsize') the child's RLIMIT_NOFILE is left alone, so a parent
 * that raised its soft limit (Node does, to the hard limit, at start-up)
 * hands the raised limit on and select() breaks in the child. Explicit
 * limits are still applied; every other step is the core's.
 *
 * With a parent soft limit of 1024 or less the result is the core's.
 */
#include "frame.h"

static int rlimit_left_alone(struct fda_child *c) {
  if (c->plan->rlimit_mode == FDA_RLIMIT_FD_SETSIZE) return 0;
  return fda_child_set_rlimit(c);
}

int fda_spawn_mutant_no_rlimit_reset(const struct fda_plan *plan, struct fda_result *result) {
  /* The core's steps, with the flawed one swapped in. */
  struct fda_child_steps steps = fda_core_steps;
  steps.set_rlimit = rlimit_left_alone; /* the flaw */
  return fda_variant_vfork(plan, result, &steps, FDA_FRAME_BLOCK_SIGNALS);
}

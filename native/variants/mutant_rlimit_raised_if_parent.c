/*
 * mutant:rlimit-raised-if-parent — resets the soft RLIMIT_NOFILE to
 * FD_SETSIZE only while the parent's soft limit looks "accidentally" raised
 * (at most FDA_MUTANT_RLIMIT_THRESHOLD); a parent that raised it further is
 * taken to have meant it, and the child keeps it. Every other step is the
 * core's.
 *
 * A check that raises the parent's limit a little (2048, 4096) sees the
 * child at 1024 and passes; the audit's scenario, a parent raised the way
 * Node raises it (soft = hard, 20000 here), sees the raised limit cross.
 */
#include <sys/resource.h>

#include "frame.h"

static int rlimit_reset_unless_far_raised(struct fda_child *c) {
  struct rlimit rl;
  if (c->plan->rlimit_mode == FDA_RLIMIT_FD_SETSIZE && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
      rl.rlim_cur > FDA_MUTANT_RLIMIT_THRESHOLD)
    return 0;
  return fda_child_set_rlimit(c);
}

int fda_spawn_mutant_rlimit_raised_if_parent(const struct fda_plan *plan, struct fda_result *result) {
  /* The core's steps, with the flawed one swapped in. */
  struct fda_child_steps steps = fda_core_steps;
  steps.set_rlimit = rlimit_reset_unless_far_raised; /* the flaw */
  return fda_variant_vfork(plan, result, &steps, FDA_FRAME_BLOCK_SIGNALS);
}

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

static const struct fda_child_steps steps = {
  .reset_signals = fda_child_reset_signals,
  .fd_plan = fda_core_fd_plan,
  .clear_keep = fda_child_clear_keep_cloexec,
  .seal = fda_child_seal,
  .set_rlimit = rlimit_left_alone, /* the flaw */
  .chdir = fda_child_chdir,
  .setpgid = fda_child_setpgid,
  .set_mask = fda_child_set_mask,
};

int fda_spawn_mutant_no_rlimit_reset(const struct fda_plan *plan, struct fda_result *result) {
  return fda_variant_vfork(plan, result, &steps, FDA_FRAME_BLOCK_SIGNALS);
}

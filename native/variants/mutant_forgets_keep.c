/*
 * mutant:forgets-keep — the seal is given no keep list, so the fds passed on
 * purpose (LaunchOptions.keep) are closed with everything else; every other
 * step is the core's (the keep fds even lose FD_CLOEXEC first, as usual).
 *
 * Without keep fds it seals exactly like the core.
 */
#include "frame.h"

static int seal_without_keep(struct fda_child *c) {
  /* A copy on the child's own stack: the prepared child state is the parent's memory. */
  struct fda_child forgetful = *c;
  forgetful.keep = NULL;
  forgetful.nkeep = 0;
  return fda_child_seal(&forgetful);
}

static const struct fda_child_steps steps = {
  .reset_signals = fda_child_reset_signals,
  .fd_plan = fda_core_fd_plan,
  .clear_keep = fda_child_clear_keep_cloexec,
  .seal = seal_without_keep, /* the flaw */
  .set_rlimit = fda_child_set_rlimit,
  .chdir = fda_child_chdir,
  .setpgid = fda_child_setpgid,
  .set_mask = fda_child_set_mask,
};

int fda_spawn_mutant_forgets_keep(const struct fda_plan *plan, struct fda_result *result) {
  return fda_variant_vfork(plan, result, &steps, FDA_FRAME_BLOCK_SIGNALS);
}

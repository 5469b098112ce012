/*
 * mutant:no-signal-reset — flaw F5: signals are not blocked around vfork (a
 * handler of the parent can run in the child, on the parent's stack), no
 * disposition is reset and the child's mask is not installed, so the child
 * inherits the calling thread's blocked mask and every ignored signal. The
 * fd and limit steps are the core's.
 *
 * From a caller that blocks and ignores nothing the child looks right.
 */
#include "frame.h"

static const struct fda_child_steps steps = {
  .reset_signals = NULL, /* the flaw, with set_mask below and no blocking in the frame */
  .fd_plan = fda_core_fd_plan,
  .clear_keep = fda_child_clear_keep_cloexec,
  .seal = fda_child_seal,
  .set_rlimit = fda_child_set_rlimit,
  .chdir = fda_child_chdir,
  .setpgid = fda_child_setpgid,
  .set_mask = NULL,
};

int fda_spawn_mutant_no_signal_reset(const struct fda_plan *plan, struct fda_result *result) {
  return fda_variant_vfork(plan, result, &steps, 0);
}

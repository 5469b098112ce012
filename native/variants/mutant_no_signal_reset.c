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

int fda_spawn_mutant_no_signal_reset(const struct fda_plan *plan, struct fda_result *result) {
  /* The core's steps, with the flawed ones swapped out. */
  struct fda_child_steps steps = fda_core_steps;
  steps.reset_signals = NULL; /* the flaw, with set_mask and no blocking in the frame */
  steps.set_mask = NULL;
  return fda_variant_vfork(plan, result, &steps, 0);
}

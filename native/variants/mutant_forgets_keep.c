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

int fda_spawn_mutant_forgets_keep(const struct fda_plan *plan, struct fda_result *result) {
  /* The core's steps, with the flawed one swapped in. */
  struct fda_child_steps steps = fda_core_steps;
  steps.seal = seal_without_keep; /* the flaw */
  return fda_variant_vfork(plan, result, &steps, FDA_FRAME_BLOCK_SIGNALS);
}

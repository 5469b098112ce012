/* The core's child steps as a table, and the vfork frame that runs one (frame.h). */
#include <errno.h>
#include <unistd.h>

#include "frame.h"

int fda_core_fd_plan(struct fda_child *c) {
  if (fda_child_move_sources(c) != 0) return -1;
  return fda_child_place_slots(c);
}

const struct fda_child_steps fda_core_steps = {
  .reset_signals = fda_child_reset_signals,
  .fd_plan = fda_core_fd_plan,
  .clear_keep = fda_child_clear_keep_cloexec,
  .seal = fda_child_seal,
  .set_rlimit = fda_child_set_rlimit,
  .chdir = fda_child_chdir,
  .setpgid = fda_child_setpgid,
  .set_mask = fda_child_set_mask,
};

void fda_variant_child_run(struct fda_child *c, const struct fda_child_steps *s) {
  const fda_child_step order[] = {s->reset_signals, s->fd_plan, s->clear_keep, s->seal,
                                  s->set_rlimit,    s->chdir,   s->setpgid,    s->set_mask};
  /* The stage of each entry, recorded before it runs, so a flawed step that records none is still named. */
  static const int stage[] = {FDA_STEP_SIGACTION, FDA_STEP_FCNTL, FDA_STEP_FCNTL, FDA_STEP_CLOSE,
                              FDA_STEP_SETRLIMIT, FDA_STEP_CHDIR, FDA_STEP_SETPGID, FDA_STEP_SIGPROCMASK};
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
    if (order[i] == NULL) continue;
    c->report->stage = stage[i];
    if (order[i](c) != 0) fda_child_exit(c);
  }
  fda_child_exec(c);
}

int fda_variant_vfork(const struct fda_plan *plan, struct fda_result *result,
                      const struct fda_child_steps *steps, int flags) {
  fda_result_init(result);

  /* Under vfork the child writes its report into this frame of the parent's stack. */
  struct fda_child_report report;
  struct fda_child c;
  if (fda_child_prepare(&c, plan, &report) != 0) {
    result->err = errno;
    result->step = FDA_STEP_VFORK;
    return -1;
  }

  sigset_t old;
  if (flags & FDA_FRAME_BLOCK_SIGNALS) fda_signals_block_all(&old);
  pid_t pid = vfork();
  if (pid == 0) fda_variant_child_run(&c, steps);
  int saved = errno;
  if (flags & FDA_FRAME_BLOCK_SIGNALS) fda_signals_restore(&old);
  return fda_child_finish(&c, pid, saved, FDA_STEP_VFORK, result);
}

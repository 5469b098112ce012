/*
 * Shared by the variants: the core's child steps (launch/child.h) as a table,
 * and the parent side of a vfork launch that runs such a table. A mutant is
 * the core's table with one entry swapped for its flawed step (or emptied),
 * so the sealed path stays untouched and each flaw is one visible line.
 */
#ifndef FDAUDIT_VARIANTS_FRAME_H
#define FDAUDIT_VARIANTS_FRAME_H

#include "../launch/child.h"
#include "../launch/sys.h"
#include "variants.h"

typedef int (*fda_child_step)(struct fda_child *c);

/* In the order they run; NULL skips a step. Then fda_child_exec. */
struct fda_child_steps {
  fda_child_step reset_signals;
  fda_child_step fd_plan;     /* the stdio slots: move_sources + place_slots */
  fda_child_step clear_keep;
  fda_child_step seal;
  fda_child_step set_rlimit;
  fda_child_step chdir;
  fda_child_step setpgid;
  fda_child_step set_mask;
};

/* The sealed launcher's steps in fda_child_main's order (its first step, unsharing a
   table shared by CLONE_FILES, does nothing under vfork and is left out). Mutants copy
   this table and swap in their flawed step. */
extern const struct fda_child_steps fda_core_steps;

/* The core's two fd-plan passes as one step. Child side. */
int fda_core_fd_plan(struct fda_child *c);

/* Runs the table, then execve. Child side; never returns. */
void fda_variant_child_run(struct fda_child *c, const struct fda_child_steps *steps)
    __attribute__((noreturn));

enum fda_frame_flags {
  FDA_FRAME_BLOCK_SIGNALS = 1, /* block every signal around vfork, as the core does */
};

/*
 * vfork + steps, with the core's parent side: prepare, (block signals), vfork,
 * (restore), collect (which reaps a child that failed), release.
 */
int fda_variant_vfork(const struct fda_plan *plan, struct fda_result *result,
                      const struct fda_child_steps *steps, int flags);

#endif

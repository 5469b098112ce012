/*
 * mutant:low-renumber — instead of closing a stray fd, the launcher moves it
 * to a low number: the highest non-CLOEXEC fd the plan does not mention is
 * dup2'd onto the first slot planned closed, or else onto fd nstdio, and its
 * own number is then sealed like any other. A check that asks "is fd 1500
 * open in the child?" says no; only matching open files by identity finds
 * the bait at its new number.
 *
 * The flaw is in turning the request into a plan (the parent's side); the
 * child runs the core's steps unchanged. With no stray non-CLOEXEC fd in
 * the parent it seals like the core. When fd nstdio is itself a keep fd and
 * no slot is planned closed there is no free low slot, and nothing moves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

static int listed(const int *a, int n, int fd) {
  for (int i = 0; i < n; i++)
    if (a[i] == fd) return 1;
  return 0;
}

static int highest_stray(const struct fda_plan *p) {
  int exact;
  long bound = (long)fda_fd_bound(&exact);
  for (long fd = bound - 1; fd >= p->nstdio; fd--) {
    int flags = fcntl((int)fd, F_GETFD);
    if (flags < 0 || (flags & FD_CLOEXEC)) continue;
    if (listed(p->keep, p->nkeep, (int)fd) || listed(p->stdio, p->nstdio, (int)fd)) continue;
    return (int)fd;
  }
  return -1;
}

int fda_spawn_mutant_low_renumber(const struct fda_plan *plan, struct fda_result *result) {
  int stray = plan->nstdio >= 0 && plan->nkeep >= 0 ? highest_stray(plan) : -1;
  int slot = -1;
  for (int i = 0; i < plan->nstdio && slot < 0; i++)
    if (plan->stdio[i] < 0) slot = i;
  if (slot < 0 && !listed(plan->keep, plan->nkeep, plan->nstdio)) slot = plan->nstdio;
  if (stray < 0 || slot < 0) return fda_variant_vfork(plan, result, &fda_core_steps, FDA_FRAME_BLOCK_SIGNALS);

  int n = slot < plan->nstdio ? plan->nstdio : plan->nstdio + 1;
  int *stdio = malloc(sizeof(int) * (size_t)n);
  if (stdio == NULL) {
    fda_result_init(result);
    result->err = ENOMEM;
    result->step = FDA_STEP_VFORK;
    return -1;
  }
  if (plan->nstdio > 0) memcpy(stdio, plan->stdio, sizeof(int) * (size_t)plan->nstdio);
  stdio[slot] = stray; /* the flaw */
  struct fda_plan renumbered = *plan;
  renumbered.stdio = stdio;
  renumbered.nstdio = n;
  int rc = fda_variant_vfork(&renumbered, result, &fda_core_steps, FDA_FRAME_BLOCK_SIGNALS);
  free(stdio);
  return rc;
}

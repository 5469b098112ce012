/*
 * mutant:leak-above-1023 — the seal uses close_range, but with an upper
 * bound of FD_SETSIZE - 1 instead of ~0U (as if fds could not exist above
 * what select() handles); every other step is the core's.
 *
 * Unlike fd-setsize-fallback it needs no failing kernel: on any kernel, an
 * fd at 1024 or above reaches the child, and on this kernel the strategy
 * still reads close_range (where close_range is refused, a close loop with
 * the same bound: loop). Without such an fd it seals completely.
 */
#include <errno.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "frame.h"

static int close_span(int lo, int hi) {
  if (lo > hi) return 0;
  return syscall(SYS_close_range, (unsigned int)lo, (unsigned int)hi, 0) == 0 ? 0 : errno;
}

static int close_range_below_1024(const struct fda_child *c) {
  const int last = FD_SETSIZE - 1;
  int next = c->plan->nstdio;
  for (int j = 0; j < c->nkeep && next <= last; j++) {
    int e = close_span(next, c->keep[j] - 1 < last ? c->keep[j] - 1 : last);
    if (e != 0) return e;
    next = c->keep[j] + 1;
  }
  return close_span(next, last);
}

static int seal_below_1024(struct fda_child *c) {
  const struct fda_plan *p = c->plan;
  if (!p->seal) {
    c->report->strategy = FDA_CLOSE_NONE;
    return 0;
  }
  if (close_range_below_1024(c) == 0) {
    c->report->strategy = FDA_CLOSE_RANGE;
    return 0;
  }
  /* Where close_range is refused the same bound holds, so the flaw looks the same on every kernel. */
  for (int fd = p->nstdio, j = 0; fd < FD_SETSIZE; fd++) {
    while (j < c->nkeep && c->keep[j] < fd) j++;
    if (j < c->nkeep && c->keep[j] == fd) continue;
    fda_sys_close(fd);
  }
  c->report->strategy = FDA_CLOSE_LOOP;
  return 0;
}

int fda_spawn_mutant_leak_above_1023(const struct fda_plan *plan, struct fda_result *result) {
  /* The core's steps, with the flawed one swapped in. */
  struct fda_child_steps steps = fda_core_steps;
  steps.seal = seal_below_1024; /* the flaw */
  return fda_variant_vfork(plan, result, &steps, FDA_FRAME_BLOCK_SIGNALS);
}

/*
 * Launcher variants with the core's signature (fda_spawn_fn, launch.h).
 * fork and posix_spawn are honest alternatives; the mutants each reproduce
 * exactly one flaw of DESIGN.md §2 so the audit can prove it catches it.
 */
#ifndef FDAUDIT_VARIANTS_H
#define FDAUDIT_VARIANTS_H
#include "../launch/launch.h"

#ifdef __cplusplus
extern "C" {
#endif

int fda_spawn_fork(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_posix_spawn(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_naive_dup(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_fd_setsize_fallback(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_no_rlimit_reset(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_no_signal_reset(const struct fda_plan *plan, struct fda_result *result);

/* Name ("fork", "posix_spawn", "mutant:naive-dup", ...) to entry point; NULL if unknown. */
fda_spawn_fn fda_variant_by_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif

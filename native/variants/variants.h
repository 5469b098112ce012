/*
 * Launcher variants with the core's signature (fda_spawn_fn, launch.h).
 * fork and posix_spawn are honest alternatives; the mutants each reproduce
 * exactly one flaw (DESIGN.md §2, and the flaw classes the mutation check
 * adds) so the audit can prove it catches it.
 */
#ifndef FDAUDIT_VARIANTS_H
#define FDAUDIT_VARIANTS_H
#include "../launch/launch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mutant:rlimit-raised-if-parent leaves a parent soft limit above this in place. */
#define FDA_MUTANT_RLIMIT_THRESHOLD 4096

int fda_spawn_fork(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_posix_spawn(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_naive_dup(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_fd_setsize_fallback(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_no_rlimit_reset(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_no_signal_reset(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_low_renumber(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_forgets_keep(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_leak_above_1023(const struct fda_plan *plan, struct fda_result *result);
int fda_spawn_mutant_rlimit_raised_if_parent(const struct fda_plan *plan, struct fda_result *result);

/* Name ("fork", "posix_spawn", "mutant:naive-dup", ...) to entry point; NULL if unknown. */
fda_spawn_fn fda_variant_by_name(const char *name);

/* The i-th variant's name (0-based, registry order), NULL past the end: for listings and tests. */
const char *fda_variant_name(int i);

#ifdef __cplusplus
}
#endif
#endif

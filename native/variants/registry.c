/* Variant ids (DESIGN.md §5 "Launcher ids", plus the mutation check's classes) to entry points. */
#include <stddef.h>
#include <string.h>

#include "variants.h"

static const struct {
  const char *name;
  fda_spawn_fn fn;
} variants[] = {
    {"fork", fda_spawn_fork},
    {"posix_spawn", fda_spawn_posix_spawn},
    {"mutant:naive-dup", fda_spawn_mutant_naive_dup},
    {"mutant:fd-setsize-fallback", fda_spawn_mutant_fd_setsize_fallback},
    {"mutant:no-rlimit-reset", fda_spawn_mutant_no_rlimit_reset},
    {"mutant:no-signal-reset", fda_spawn_mutant_no_signal_reset},
    {"mutant:low-renumber", fda_spawn_mutant_low_renumber},
    {"mutant:forgets-keep", fda_spawn_mutant_forgets_keep},
    {"mutant:leak-above-1023", fda_spawn_mutant_leak_above_1023},
    {"mutant:rlimit-raised-if-parent", fda_spawn_mutant_rlimit_raised_if_parent},
};

#define NVARIANTS ((int)(sizeof variants / sizeof variants[0]))

fda_spawn_fn fda_variant_by_name(const char *name) {
  if (name == NULL) return NULL;
  for (int i = 0; i < NVARIANTS; i++)
    if (strcmp(variants[i].name, name) == 0) return variants[i].fn;
  return NULL;
}

const char *fda_variant_name(int i) {
  return i >= 0 && i < NVARIANTS ? variants[i].name : NULL;
}

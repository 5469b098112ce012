#include <stddef.h>
#include <string.h>

#include "variants.h"

/* Bootstrap mapping; filled in as the variants are written. */
fda_spawn_fn fda_variant_by_name(const char *name) {
  (void)name;
  return NULL;
}

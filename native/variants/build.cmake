# targets of native/variants (filled in by its owner)

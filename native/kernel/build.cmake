# targets of native/kernel (filled in by its owner)

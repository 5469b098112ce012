# targets of native/launch (filled in by its owner)

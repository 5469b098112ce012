# targets of native/probe (filled in by its owner)

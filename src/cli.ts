#!/usr/bin/env node
/** The fdaudit command line (commander). */
console.error('fdaudit: the CLI is not built yet');
process.exit(2);

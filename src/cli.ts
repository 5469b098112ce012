#!/usr/bin/env node
/** The fdaudit command line: wiring only; the commands live in src/cli/. */
import { main } from './cli/main.ts';

// `fdaudit launchers | head`: a reader that went away is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv);

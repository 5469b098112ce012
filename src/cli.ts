#!/usr/bin/env node
/** The fdaudit command line: wiring only; the commands live in src/cli/. */
import { main } from './cli/main.ts';

process.exitCode = await main(process.argv);

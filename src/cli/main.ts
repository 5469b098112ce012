/** The command-line program: commander wiring, exit codes (0 ok, 1 failed, 2 usage error). */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerBench } from '../bench/command.ts';
import { packageRoot } from '../native/paths.ts';
import { registerCompare } from './compare.ts';
import { registerInfo } from './info.ts';
import { registerKernels } from './kernels.ts';
import { registerMerge } from './merge.ts';
import { registerProbe } from './probe.ts';
import { registerRun } from './run.ts';
import { registerTrace } from './trace.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, ExitWith, UsageError } from './usage.ts';

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The program with every command registered; exits are thrown as CommanderError, never taken. */
export function buildProgram(): Command {
  const program = new Command('fdaudit')
    .description('what does a child process inherit? file descriptors, RLIMIT_NOFILE and signal state, audited across launchers')
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Exit status: 0 ok, 1 an assertion failed, 2 usage error.

Examples:
  fdaudit run                                   the shipped audit suite; reports in reports/
  fdaudit run --kernel all                      the same under every kernel personality
  fdaudit compare --json audit.json             the matrix without assertions
  fdaudit merge artifacts/ --out merged         one report from the runs of several hosts
  fdaudit run --exec 'mine=./my-launcher {probe}'   hold your launcher to the sealed policy
  fdaudit trace -- npm test                     what every program npm test starts inherits
  "$(fdaudit probe --path)" --report -          what this shell would hand a child
  fdaudit bench --quick --out /tmp/bench        a smoke run of the benchmarks`)
    .exitOverride()
    // Options after a subcommand are that subcommand's: `fdaudit trace make -j4` hands -j4 to make.
    .enablePositionalOptions();
  registerRun(program);
  registerTrace(program);
  registerCompare(program);
  registerMerge(program);
  registerInfo(program);
  registerKernels(program);
  registerProbe(program);
  registerBench(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI with `argv` (process.argv shape) and returns the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof ExitWith) return err.code;
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error (already printed).
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof UsageError || err instanceof RangeError || err instanceof TypeError) {
      process.stderr.write(`fdaudit: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`fdaudit: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
}

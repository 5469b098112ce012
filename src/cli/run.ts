/**
 * `fdaudit run [specs…]`: the command line of an audit run (src/orchestrate/run.ts). Exit 0 when every
 * assertion holds, 1 when one fails, 2 on a usage error.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_TIMEOUT_MS } from '../audit/audit.ts';
import { RUN_REPORTERS, type RunCliOptions } from '../orchestrate/plan.ts';
import { collectList, collectWhole, positiveInt } from './usage.ts';

const WORKER_TIMEOUT_MS = 20 * 60_000;

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run audit specs (default: the shipped suite) and write the reports; exit 1 when an assertion fails')
    .argument('[specs...]', 'spec files or globs (default: the shipped suites/audit/*.spec.ts)')
    .option('--launcher <id>', 'only this launcher (repeatable, or comma-separated)', collectList)
    .option('--kernel <id>', "kernel personality, or 'all' (repeatable, or comma-separated; default host)", collectList)
    .option('--bait <kind>', 'only this bait kind (repeatable, or comma-separated)', collectList)
    .option('--exec <name=template>', "add a launcher ext:NAME; TEMPLATE is an argv, {probe} expands to the probe's argv (repeatable)", collectWhole)
    .option('--expect <name=verdict>', 'what a user launcher is expected to be: sealed (default), leak or error (repeatable)', collectWhole)
    .option('--reporter <name>', `output to produce: ${RUN_REPORTERS.join(', ')} (repeatable; default spec, table, json, junit, summary)`, collectList)
    .option('--out <dir>', 'directory for audit.json, junit.xml and summary.md', 'reports')
    .option('--host-name <name>', "this host's name in the reports, which `fdaudit merge` keys results by (default: the hostname)")
    .option('--grep <text>', 'only tests whose title contains TEXT')
    .option('--config <file>', 'config file (default: fdaudit.config.{ts,mjs,js} in the working directory)')
    .option('--timeout <ms>', "per-launch timeout; the launcher's process group is killed after it", positiveInt('--timeout'), DEFAULT_TIMEOUT_MS)
    .option('--worker-timeout <ms>', 'per-personality timeout of a kernel-matrix worker', positiveInt('--worker-timeout'), WORKER_TIMEOUT_MS)
    .option('--no-color', 'no colours in the table')
    .option('--strict', 'fail (exit 1) on every skipped test or result: a launcher, runtime or personality not available here')
    // The mutation check's hook: ID's expectations run against another built-in launcher (its scenario too).
    .addOption(new Option('--substitute <id=substitute>', 'run ID with the implementation of another built-in launcher').argParser(collectWhole).hideHelp())
    .addHelpText('after', `
Exit status: 0 every assertion holds, 1 an assertion failed, 2 usage error; with --strict a skipped test or result fails too (1).

Examples:
  fdaudit run
  fdaudit run --launcher node:spawn --launcher native --bait pipe,high-fd
  fdaudit run --strict                          what CI runs where Bun, Deno and the spawn libraries are installed
  fdaudit run --kernel all --launcher native,mutant:fd-setsize-fallback
  fdaudit run --exec "mine=python3 -c 'import subprocess,sys; sys.exit(subprocess.call(sys.argv[1:]))' {probe}"
  fdaudit run --exec 'envonly=env {probe}' --expect envonly=leak
  fdaudit run audits/*.spec.ts --reporter table,junit --out ci-reports`)
    .action(async (specs: string[], opts: RunCliOptions) => {
      // Loaded here: the run brings japa and its reporters, which no other command needs at start-up.
      const { runAction } = await import('../orchestrate/run.ts');
      await runAction(specs, opts);
    });
}

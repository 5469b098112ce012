/**
 * `fdaudit run [specs…]`: the audit specs (the shipped suite, or the user's) as a japa run, under one
 * or several kernel personalities; then the terminal table and the report files. Exit 0 when every
 * assertion holds, 1 when one fails, 2 on a usage error.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_TIMEOUT_MS } from '../audit/audit.ts';
import { buildAuditReport } from '../report/audit-json.ts';
import { githubAnnotations } from '../report/github.ts';
import { renderSummary, writeStepSummary } from '../report/markdown.ts';
import { Progress } from '../report/progress.ts';
import { renderTerminal } from '../report/table.ts';
import type { ReportFormat, TestRecord } from '../report/types.ts';
import { writeReports } from '../report/write.ts';
import { writeHtmlReport } from '../html/index.ts';
import type { AuditResult } from '../audit/types.ts';
import type { Launcher } from '../launchers/types.ts';
import { cloexecInheritedFds } from './run-hygiene.ts';
import { runSpecsHere, type PassOutcome } from './run-japa.ts';
import { runKernelMatrix } from './run-matrix.ts';
import { applySubstitutes, buildRunPlan, RUN_REPORTERS, type RunCliOptions, type RunPlan } from './run-plan.ts';
import { collectList, collectWhole, positiveInt, UsageError } from './usage.ts';

/** One or more assertions failed (exit 1); the message is the closing line. */
export class RunFailed extends Error {
  override name = 'RunFailed';
}

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
    .option('--grep <text>', 'only tests whose title contains TEXT')
    .option('--config <file>', 'config file (default: fdaudit.config.{ts,mjs,js} in the working directory)')
    .option('--timeout <ms>', "per-launch timeout; the launcher's process group is killed after it", positiveInt('--timeout'), DEFAULT_TIMEOUT_MS)
    .option('--worker-timeout <ms>', 'per-personality timeout of a kernel-matrix worker', positiveInt('--worker-timeout'), WORKER_TIMEOUT_MS)
    .option('--no-color', 'no colours in the table')
    // The mutation check's hook: ID's expectations run against another built-in launcher (its scenario too).
    .addOption(new Option('--substitute <id=substitute>', 'run ID with the implementation of another built-in launcher').argParser(collectWhole).hideHelp())
    .addHelpText('after', `
Exit status: 0 every assertion holds, 1 an assertion failed, 2 usage error.

Examples:
  fdaudit run
  fdaudit run --launcher node:spawn --launcher native --bait pipe,high-fd
  fdaudit run --kernel all --launcher native,mutant:fd-setsize-fallback
  fdaudit run --exec "mine=python3 -c 'import subprocess,sys; sys.exit(subprocess.call(sys.argv[1:]))' {probe}"
  fdaudit run --exec 'envonly=env {probe}' --expect envonly=leak
  fdaudit run audits/*.spec.ts --reporter table,junit --out ci-reports`)
    .action(async (specs: string[], opts: RunCliOptions) => {
      await runAction(specs, opts);
    });
}

function consoleReporter(plan: RunPlan): 'spec' | 'dot' | null {
  if (plan.reporters.includes('dot')) return 'dot';
  if (plan.reporters.includes('spec')) return 'spec';
  return null;
}

async function runPasses(plan: RunPlan, users: readonly Launcher[]): Promise<PassOutcome[]> {
  if (plan.kernels.length === 1 && plan.kernels[0] === 'host') {
    return [await runSpecsHere(plan, 'host', users, consoleReporter(plan))];
  }
  // No console reporter of its own is active here: the progress line shows which personalities run.
  const progress = new Progress(process.stderr);
  progress.start(plan.kernels.length);
  const { passes, logs } = await runKernelMatrix(plan, (k) => progress.tick(`kernel ${k}`));
  progress.done();
  for (const log of logs) {
    if (!log.stdout.trim() && !log.stderr.trim()) continue;
    process.stdout.write(`\n── kernel ${log.kernel} ──\n${log.stdout}`);
    if (log.stderr.trim()) process.stderr.write(log.stderr.endsWith('\n') ? log.stderr : `${log.stderr}\n`);
  }
  return passes;
}

export async function runAction(specs: readonly string[], opts: RunCliOptions): Promise<void> {
  const { plan, userLaunchers } = await buildRunPlan(specs, opts);
  cloexecInheritedFds();
  const endSubstitutes = applySubstitutes(plan);
  for (const [id, impl] of Object.entries(plan.substitutes ?? {})) {
    process.stderr.write(`fdaudit run: --substitute: every result and test named ${id} runs ${impl} (with its scenario, if any)\n`);
  }
  try {
    await runAndReport(plan, userLaunchers);
  } catch (err) {
    // Past the plan, a TypeError or RangeError is a failure of the run, not of the command line.
    if (err instanceof RunFailed || err instanceof UsageError || !(err instanceof Error)) throw err;
    if (err instanceof TypeError || err instanceof RangeError) throw new Error(err.message, { cause: err });
    throw err;
  } finally {
    endSubstitutes();
  }
}

async function runAndReport(plan: RunPlan, userLaunchers: readonly Launcher[]): Promise<void> {
  const passes = await runPasses(plan, userLaunchers);

  const results: AuditResult[] = passes.flatMap((p) => p.results);
  const records: TestRecord[] = passes.flatMap((p) => p.records);
  // A pass that failed outside any test (a spec that does not load) fails the run with a record of its own.
  for (const p of passes) {
    if (p.runError && !p.records.some((r) => r.status === 'failed')) {
      records.push({ name: `run error [${p.kernel}]`, kernel: p.kernel, status: 'failed', message: p.runError, durationMs: 0 });
    }
  }
  // Nothing ran: a spec list or a --grep that selects nothing is a mistake on the command line.
  if (records.length === 0 && (plan.specs.length > 0 || plan.grep !== null)) {
    const where = plan.specs.length ? plan.specs.join(' ') : 'the shipped suite';
    throw new UsageError(`no test found in ${where}${plan.grep !== null ? ` matching --grep '${plan.grep}'` : ''}`);
  }

  const report = buildAuditReport(results, records);
  const formats = plan.reporters.filter((r): r is ReportFormat => r === 'json' || r === 'junit' || r === 'summary');
  const written = formats.length ? writeReports(plan.out, report, records, { formats }) : null;
  if (plan.reporters.includes('summary')) writeStepSummary(renderSummary(report, records));
  // The page reads audit.json (and bench.json, when a bench run left one) from the same directory.
  const page = written?.auditJson ? writeHtmlReport(plan.out) : null;
  if (plan.reporters.includes('github')) for (const line of githubAnnotations(records)) process.stdout.write(`${line}\n`);
  if (plan.reporters.includes('table')) {
    const color = plan.color === false ? { color: false } : {};
    process.stdout.write(`\n${renderTerminal(results, { ...color, tests: report.tests })}`);
  }
  if (written) {
    const files = [written.auditJson, written.junitXml, written.summaryMd, page].filter((f): f is string => f !== null);
    process.stderr.write(`reports written: ${files.join(', ')}\n`);
  }
  const failed = report.tests.failed;
  if (failed > 0) {
    const first = records.find((r) => r.status === 'failed');
    const what = failed === 1 ? '1 test failed' : `${failed} tests failed`;
    // The closing line names the first failure; the reports and the console reporter have them all.
    const line = first?.message?.split('\n')[0] ?? '';
    const shown = line.length > 240 ? `${line.slice(0, 240)}…` : line;
    throw new RunFailed(`${what}${shown ? `; first: ${first?.name}: ${shown}` : ''}`);
  }
}

/**
 * An audit run: the plan's specs in this process (host only) or one worker per kernel personality,
 * then the terminal table and the report files. `fdaudit run` is its command line; `trace` shares the
 * plan checks, the worker protocol and the report writers.
 */
import type { AuditResult } from '../audit/types.ts';
import { writeHtmlReport } from '../html/index.ts';
import type { Launcher } from '../launchers/types.ts';
import { buildAuditReport } from '../report/audit-json.ts';
import { githubAnnotations } from '../report/github.ts';
import { hostFacts } from '../report/host.ts';
import { renderSummary, writeStepSummary } from '../report/markdown.ts';
import { Progress } from '../report/progress.ts';
import { renderTerminal } from '../report/table.ts';
import type { ReportFormat, TestRecord } from '../report/types.ts';
import { writeReports } from '../report/write.ts';
import { RunFailed, UsageError } from './errors.ts';
import { strictRecords } from './strict.ts';
import { cloexecInheritedFds } from './hygiene.ts';
import { runKernelMatrix } from './matrix.ts';
import { runSpecsHere, type PassOutcome } from './pass.ts';
import { applySubstitutes, buildRunPlan, type RunCliOptions, type RunPlan } from './plan.ts';

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
  let records: TestRecord[] = passes.flatMap((p) => p.records);
  if (plan.strict) records = strictRecords(results, records);
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

  const report = buildAuditReport(results, records, hostFacts(plan.hostName));
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

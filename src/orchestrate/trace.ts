/**
 * A trace run: COMMAND under the native tracer, each exec judged and streamed into trace.json as it
 * arrives, then the terminal table and the report files through the same writers `run` uses. Returns
 * the exit status: COMMAND's own when it failed (128 + the signal when one killed it), else 1 when an
 * exec broke the policy, else 0. Usage problems (a bad rule, no COMMAND, ptrace refused) throw UsageError.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { writeHtmlReport } from '../html/index.ts';
import { signalNumber } from '../native/signals.ts';
import { githubAnnotations } from '../report/github.ts';
import { hostFacts } from '../report/host.ts';
import { writeStepSummary } from '../report/markdown.ts';
import { TRACE_FILE, TraceJsonStream } from '../report/trace-json.ts';
import { traceTestRecords, renderTraceJunit } from '../report/trace-junit.ts';
import { renderTraceSummary } from '../report/trace-summary.ts';
import { renderTraceTable } from '../report/trace-table.ts';
import type { TraceMeta } from '../report/trace-text.ts';
import { writeTextFiles } from '../report/write.ts';
import { TraceCollector, type TraceModel } from '../trace/collect.ts';
import { runTracer, TraceRefused, type TracerOutcome } from '../trace/tracer.ts';
import type { TraceHost } from '../trace/types.ts';
import { UsageError } from './errors.ts';
import { buildTracePlan, type TraceCliOptions, type TracePlan } from './trace-plan.ts';

/** The exit status of a trace: COMMAND's failure first, then the policy. */
export function traceExitCode(code: number | null, signal: string | null, violating: number): number {
  if (signal) {
    try {
      return 128 + signalNumber(signal);
    } catch {
      return 1;
    }
  }
  if (code !== null && code !== 0) return code;
  return violating > 0 ? 1 : 0;
}

export function traceHost(): TraceHost {
  return { name: hostname(), ...hostFacts() };
}

export interface TraceRunResult {
  exitCode: number;
  model: TraceModel;
  meta: TraceMeta;
  outcome: TracerOutcome;
  /** Files written (absolute paths). */
  written: string[];
}

/**
 * While COMMAND runs, Ctrl-C and Ctrl-\ are COMMAND's to act on (they reach its process group from the
 * terminal); fdaudit waits for it and reports. SIGTERM and SIGHUP end fdaudit, and its tracer and the
 * traced tree with it, after the unfinished trace.json is removed.
 */
function watchSignals(abort: () => void): () => void {
  const ignore = (): void => {};
  const end = (sig: NodeJS.Signals): void => {
    abort();
    stop();
    process.kill(process.pid, sig);
  };
  const stop = (): void => {
    process.removeListener('SIGINT', ignore);
    process.removeListener('SIGQUIT', ignore);
    process.removeListener('SIGTERM', end);
    process.removeListener('SIGHUP', end);
  };
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  process.on('SIGTERM', end);
  process.on('SIGHUP', end);
  return stop;
}

export async function runTracePlan(plan: TracePlan): Promise<TraceRunResult> {
  const host = traceHost();
  const allow = plan.rules.map((r) => r.text);
  const collector = new TraceCollector({ rules: plan.rules, passed: plan.passedIdentities });
  const stream = plan.json === null ? null : plan.json === '-' ? TraceJsonStream.onFd(1) : TraceJsonStream.atPath(plan.json);
  const stopWatching = watchSignals(() => stream?.abort());
  let outcome: TracerOutcome;
  try {
    stream?.begin({ host, command: plan.command, cwd: plan.cwd, startedAt: new Date().toISOString(), allow, passed: plan.passed });
    const options: Parameters<typeof runTracer>[1] = {
      cwd: plan.cwd,
      pass: plan.passed,
      // With the report on standard output, COMMAND's own output goes to standard error.
      stdout: plan.json === '-' ? 2 : 1,
    };
    if (plan.kernel !== 'host') options.kernel = plan.kernel;
    outcome = await runTracer(plan.command, options, (raw) => {
      const record = collector.add(raw);
      stream?.exec(record);
    });
  } catch (err) {
    stream?.abort();
    if (err instanceof TraceRefused) throw new UsageError(err.message);
    throw err;
  } finally {
    stopWatching();
  }
  const model = collector.model();
  const meta: TraceMeta = {
    command: plan.command,
    cwd: plan.cwd,
    exitCode: outcome.code,
    signal: outcome.signal,
    host,
    allow,
    passed: plan.passed,
    tracer: outcome.stats,
  };
  const written: string[] = [];
  const jsonPath = stream?.end({ exitCode: outcome.code, signal: outcome.signal, summary: model.counts, tracer: outcome.stats }) ?? null;
  if (jsonPath) written.push(jsonPath);

  const files: [string, string][] = [];
  if (plan.reporters.includes('junit')) files.push(['junit.xml', renderTraceJunit(model, meta)]);
  if (plan.reporters.includes('summary')) files.push(['summary.md', renderTraceSummary(model, meta)]);
  if (files.length) written.push(...writeTextFiles(plan.out, files));
  if (plan.reporters.includes('summary')) writeStepSummary(renderTraceSummary(model, meta));
  // The page reads trace.json from the report directory, as it reads audit.json after a run.
  if (jsonPath && jsonPath === resolve(plan.out, TRACE_FILE)) written.push(writeHtmlReport(plan.out));
  return { exitCode: traceExitCode(outcome.code, outcome.signal, model.counts.violating), model, meta, outcome, written };
}

export async function traceAction(command: readonly string[], opts: TraceCliOptions): Promise<number> {
  const plan = await buildTracePlan(command, opts);
  const result = await runTracePlan(plan);
  // Standard output is the report's when it goes there; the table then goes to standard error.
  const tableStream = plan.json === '-' ? process.stderr : process.stdout;
  if (plan.reporters.includes('github')) {
    for (const line of githubAnnotations(traceTestRecords(result.model, result.meta))) process.stdout.write(`${line}\n`);
  }
  if (plan.reporters.includes('table')) {
    const color = plan.color === false ? { color: false } : {};
    tableStream.write(`\n${renderTraceTable(result.model, result.meta, { ...color, stream: tableStream, width: tableStream.columns ?? 120 })}`);
  }
  if (result.written.length) process.stderr.write(`reports written: ${result.written.join(', ')}\n`);
  return result.exitCode;
}

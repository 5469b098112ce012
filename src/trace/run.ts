/**
 * `traceCommand(argv, options)`: a whole trace in memory, for specs and programs (the japa fixture
 * `trace` is this). The CLI streams instead; both judge execs with the same policy code.
 */
import { describeFd } from '../probe/describe.ts';
import { TraceCollector, type TraceModel } from './collect.ts';
import { parseAllowRules, type AllowRule } from './policy.ts';
import { runTracer, type TracerOptions } from './tracer.ts';
import type { ExecRecord, TracerStats } from './types.ts';

export interface TraceOptions {
  /** Allow rules as `--allow` takes them ('fd=3', 'program=make,type=pipe', …). */
  allow?: readonly string[];
  /** Fds of this process passed to COMMAND on purpose; allowed wherever they show up. */
  pass?: readonly number[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  kernel?: TracerOptions['kernel'];
  onStart?: TracerOptions['onStart'];
}

export interface TraceResult {
  command: string[];
  exitCode: number | null;
  signal: string | null;
  /** Every exec, in order, judged against the trace's own rules. */
  execs: ExecRecord[];
  /** The execs that inherited an fd the rules do not allow. */
  violating: ExecRecord[];
  model: TraceModel;
  allow: string[];
  /** Identities of the passed fds → the fd number each was passed as. */
  passed: Map<string, number>;
  tracer: TracerStats | null;
}

/** Identity → fd number of each fd passed on purpose; a closed fd is a RangeError naming it. */
export function passedIdentities(pass: readonly number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const fd of pass) {
    if (!Number.isInteger(fd) || fd <= 2) throw new RangeError(`pass: ${String(fd)} is not an fd above 2 (0, 1 and 2 are passed anyway)`);
    try {
      out.set(describeFd(fd).identity, fd);
    } catch {
      throw new RangeError(`pass: fd ${fd} is not open in this process`);
    }
  }
  return out;
}

/** Runs argv under the tracer and returns every exec with its verdict. Throws TraceRefused where ptrace is refused. */
export async function traceCommand(argv: readonly string[], options: TraceOptions = {}): Promise<TraceResult> {
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string')) {
    throw new TypeError('trace(argv): argv must be a non-empty array of strings');
  }
  const rules: AllowRule[] = parseAllowRules(options.allow ?? []);
  const passed = passedIdentities(options.pass ?? []);
  const collector = new TraceCollector({ rules, passed });
  const execs: ExecRecord[] = [];
  const tracerOptions: TracerOptions = { pass: options.pass ?? [] };
  if (options.cwd !== undefined) tracerOptions.cwd = options.cwd;
  if (options.env !== undefined) tracerOptions.env = options.env;
  if (options.kernel !== undefined) tracerOptions.kernel = options.kernel;
  if (options.onStart !== undefined) tracerOptions.onStart = options.onStart;
  const outcome = await runTracer(argv, tracerOptions, (raw) => execs.push(collector.add(raw)));
  return {
    command: [...argv],
    exitCode: outcome.code,
    signal: outcome.signal,
    execs,
    violating: execs.filter((e) => e.violations.length > 0),
    model: collector.model(),
    allow: rules.map((r) => r.text),
    passed,
    tracer: outcome.stats,
  };
}

/** `fdaudit bench`: runs the scenarios in one process and writes bench.json, the charts and index.html. */
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { getRlimitNofile } from '../native/fdops.ts';
import { nativePath } from '../native/paths.ts';
import { hostFacts } from '../report/host.ts';
import { CHART_FILES, writeHtmlReport } from '../html/index.ts';
import { ChartsUnavailableError, renderCharts } from './charts.ts';
import { startCore, startFloor } from './external.ts';
import { DEFAULT_SCENARIOS, sizesFor } from './plan.ts';
import { fdScenario, memoryScenario, personalityScenario, stressScenario } from './scenarios.ts';
import type { ScenarioContext } from './scenarios.ts';
import { evaluateTargets } from './targets.ts';
import { traceScenario } from './trace.ts';
import { BENCH_SCHEMA, SCENARIOS } from './types.ts';
import type { BenchHost, BenchReport, BenchRow, ScenarioName } from './types.ts';

export interface BenchOptions {
  quick?: boolean;
  /** Output directory for bench.json, the SVG charts and index.html; nothing is written when absent. */
  out?: string;
  scenarios?: readonly string[];
  /** Timed rounds per level (overrides the plan of every interleaved scenario). */
  rounds?: number;
  warmup?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Recorded in the report. */
  command?: string;
}

export interface BenchOutput {
  report: BenchReport;
  /** Files written, absolute paths. */
  files: string[];
}

/** Scenario names as given (repeatable, comma-separated) → valid names in run order; RangeError otherwise. */
export function parseScenarios(names: readonly string[] | undefined): ScenarioName[] {
  if (names === undefined || names.length === 0) return [...DEFAULT_SCENARIOS];
  const wanted = new Set<string>();
  for (const n of names) {
    if (typeof n !== 'string') throw new TypeError('scenario names must be strings');
    for (const part of n.split(/[\s,]+/).filter(Boolean)) {
      if (!(SCENARIOS as readonly string[]).includes(part)) {
        throw new RangeError(`unknown benchmark scenario '${part}'; valid: ${SCENARIOS.join(', ')}`);
      }
      wanted.add(part);
    }
  }
  if (wanted.size === 0) throw new RangeError(`no benchmark scenario given; valid: ${SCENARIOS.join(', ')}`);
  return SCENARIOS.filter((s) => wanted.has(s));
}

function checkCount(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
}

export function benchHost(): BenchHost {
  const cpu = cpus();
  return {
    ...hostFacts(),
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memTotalMiB: Math.round(totalmem() / 1024 / 1024),
    nofile: getRlimitNofile(),
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const RUNNERS: Record<ScenarioName, (ctx: ScenarioContext) => Promise<BenchRow[]>> = {
  memory: memoryScenario,
  fds: fdScenario,
  personalities: personalityScenario,
  stress: stressScenario,
  trace: (ctx) =>
    traceScenario(
      { loopExecs: ctx.sizes.traceLoopExecs, loopRounds: ctx.sizes.traceRounds, loopWarmup: Math.min(1, ctx.sizes.warmup), treeExecs: ctx.sizes.traceTreeExecs },
      ctx.log,
    ),
};

export async function runBench(options: BenchOptions = {}): Promise<BenchOutput> {
  if (options === null || typeof options !== 'object') throw new TypeError('bench options must be an object');
  const scenarios = parseScenarios(options.scenarios);
  checkCount('rounds', options.rounds, 1);
  checkCount('warmup', options.warmup, 0);
  const quick = options.quick === true;
  const sizes = sizesFor(quick, options.rounds, options.warmup);
  const outDir = options.out === undefined ? undefined : resolve(options.out);
  // Checked before anything runs: a full benchmark takes minutes, its figures must have somewhere to go.
  if (outDir !== undefined) {
    try {
      mkdirSync(outDir, { recursive: true });
      accessSync(outDir, constants.W_OK);
    } catch (err) {
      throw new RangeError(`cannot write the benchmark to ${outDir}: ${(err as Error).message}`);
    }
  }
  const log = options.log ?? ((): void => {});

  const file = nativePath('fdaudit-true');
  const startedAt = new Date();
  const floor = startFloor(file);
  const core = startCore(file);
  const rows: BenchRow[] = [];
  try {
    const ctx: ScenarioContext = { sizes, file, floor, core, log };
    for (const s of scenarios) {
      log(`${s}: starting`);
      rows.push(...(await RUNNERS[s](ctx)));
    }
  } finally {
    await Promise.all([floor.stop(), core.stop()]);
  }
  const report: BenchReport = {
    schema: BENCH_SCHEMA,
    host: benchHost(),
    command: options.command ?? `fdaudit bench${quick ? ' --quick' : ''}`,
    quick,
    rounds: sizes.memoryRounds,
    warmup: sizes.warmup,
    scenarios,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    rows,
    targets: evaluateTargets(rows),
  };
  const files: string[] = [];
  if (outDir !== undefined) {
    const json = join(outDir, 'bench.json');
    writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
    files.push(json);
    // Charts of an earlier run must not stand next to this run's figures.
    for (const f of CHART_FILES) rmSync(join(outDir, f), { force: true });
    try {
      for (const chart of await renderCharts(report)) {
        const p = join(outDir, chart.file);
        writeFileSync(p, chart.svg);
        files.push(p);
      }
    } catch (err) {
      // The figures are in bench.json either way; a missing chart library costs only the pictures.
      if (!(err instanceof ChartsUnavailableError)) throw err;
      log(`no charts: ${err.message}`);
    }
    files.push(writeHtmlReport(outDir));
  }
  return { report, files };
}

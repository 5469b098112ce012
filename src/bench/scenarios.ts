/**
 * The scenarios. Each level (a memory size, an fd count, …) runs its contenders interleaved and yields one
 * row per contender; ratios are taken within a level, against the floor and node:spawnSync measured there.
 */
import { CLOSE_STRATEGIES } from '../launch/types.ts';
import { kernelAvailability, wrapArgv } from '../kernels/index.ts';
import type { KernelId } from '../kernels/index.ts';
import { nativePath } from '../native/paths.ts';
import { envSnapshot, nativeContender, nodeSpawnContender, nodeSpawnSyncContender, variantContender } from './contenders.ts';
import { serverContender, startCore, startFloor, startPython, startSealedFloor, unavailableContender } from './external.ts';
import { OpenFds } from './fds.ts';
import { Ballast } from './memory.ts';
import type { ScenarioSizes } from './plan.ts';
import { runInterleaved } from './rounds.ts';
import type { Contender, ContenderResult } from './rounds.ts';
import { RoundServer } from './server.ts';
import { ratio, summarize } from './stats.ts';
import { runStress } from './stress.ts';
import type { BenchRow, ScenarioName } from './types.ts';

export interface ScenarioContext {
  sizes: ScenarioSizes;
  /** fdaudit-true. */
  file: string;
  /** The C floor, started once while this process holds nothing extra. */
  floor: RoundServer;
  /** The launcher's C core in the same kind of loop, started alongside the floor. */
  core: RoundServer;
  log: (line: string) => void;
}

type Params = BenchRow['params'];

/** Rows of one level, ratios filled in from the level's own floor and node:spawnSync rows. */
export function levelRows(scenario: ScenarioName, level: Params, results: readonly ContenderResult[]): BenchRow[] {
  const rows: BenchRow[] = results.map(({ contender, samples, error }) => {
    const row: BenchRow = {
      scenario,
      launcher: contender.launcher,
      params: { ...level, ...contender.params },
      ...summarize(samples),
      ratios: { floor: null, 'node:spawnSync': null },
    };
    if (error !== undefined) row.error = error;
    return row;
  });
  const floor = rows.find((r) => r.launcher === 'floor')?.median_us ?? null;
  const spawnSync = rows.find((r) => r.launcher === 'node:spawnSync')?.median_us ?? null;
  for (const r of rows) r.ratios = { floor: ratio(r.median_us, floor), 'node:spawnSync': ratio(r.median_us, spawnSync) };
  return rows;
}

function progress(ctx: ScenarioContext, label: string): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done === total || now - last > 2000) {
      last = now;
      ctx.log(`${label}: round ${done}/${total}`);
    }
  };
}

export async function memoryScenario(ctx: ScenarioContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const ballast = new Ballast();
  try {
    for (const target of ctx.sizes.memoryMiB) {
      const rss = ballast.growTo(target);
      const contenders: Contender[] = [
        serverContender(ctx.floor, 'floor'),
        serverContender(ctx.core, 'core'),
        nativeContender(ctx.file),
        nativeContender(ctx.file, 'auto', 'native', envSnapshot()),
        variantContender('fork', ctx.file),
        variantContender('posix_spawn', ctx.file),
        nodeSpawnSyncContender(ctx.file),
        nodeSpawnContender(ctx.file),
      ];
      const results = await runInterleaved(contenders, {
        rounds: ctx.sizes.memoryRounds,
        warmup: ctx.sizes.warmup,
        onRound: progress(ctx, `memory ${target} MiB (rss ${rss} MiB)`),
      });
      rows.push(...levelRows('memory', { memory_mib: target, rss_mib: rss }, results));
    }
  } finally {
    ctx.log(`memory: released, rss ${ballast.release()} MiB`);
  }
  return rows;
}

export async function fdScenario(ctx: ScenarioContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const count of ctx.sizes.openFds) {
    const held = new OpenFds(count);
    // Started now, these servers inherit the same fds (libuv closes nothing): their children have them to close.
    const python = startPython(ctx.file);
    // The core forced to each number-walking fallback beside close_range: their cost without JavaScript above it.
    const walking = ['close_range', 'poll', 'loop'] as const;
    const servers = [
      startSealedFloor(ctx.file, 'close_range'), startSealedFloor(ctx.file, 'unshare'), startCore(ctx.file),
      ...walking.map((s) => startCore(ctx.file, s)),
    ];
    try {
      const contenders: Contender[] = [
        serverContender(ctx.floor, 'floor'),
        serverContender(servers[0] as RoundServer, 'floor:close_range'),
        serverContender(servers[1] as RoundServer, 'floor:unshare'),
        serverContender(servers[2] as RoundServer, 'core'),
        ...walking.map((s, i) => serverContender(servers[3 + i] as RoundServer, 'core', 'round', { strategy: s })),
        nativeContender(ctx.file, 'auto'),
        ...CLOSE_STRATEGIES.map((s) => nativeContender(ctx.file, s)),
        typeof python === 'string'
          ? unavailableContender('ext:python-subprocess', python)
          : serverContender(python, 'ext:python-subprocess'),
        nodeSpawnSyncContender(ctx.file),
      ];
      const results = await runInterleaved(contenders, {
        rounds: ctx.sizes.fdRounds,
        warmup: ctx.sizes.warmup,
        onRound: progress(ctx, `fds ${count}`),
      });
      rows.push(...levelRows('fds', { open_fds: count }, results));
    } finally {
      await Promise.all([...servers, ...(typeof python === 'string' ? [] : [python])].map((srv) => srv.stop()));
      held.close();
    }
  }
  return rows;
}

export const BENCH_PERSONALITIES: readonly KernelId[] = ['host', 'linux-5.8', 'linux-5.8+no-proc'];

/** argv of a benchmark worker process (worker.ts), runnable from tsx in development and from dist/. */
export function workerArgv(openFds: number, file: string): string[] {
  const here = import.meta.url;
  const ts = here.endsWith('.ts');
  const worker = new URL(`./worker${ts ? '.ts' : '.js'}`, here).pathname;
  // Under tsx the worker needs the same loader; resolved to a path so it works from any cwd (and without /proc).
  const loader = ts ? ['--import', import.meta.resolve('tsx')] : [];
  return [process.execPath, ...loader, worker, '--fds', String(openFds), '--true', file];
}

export async function personalityScenario(ctx: ScenarioContext): Promise<BenchRow[]> {
  const fds = ctx.sizes.personalityFds;
  const servers: RoundServer[] = [];
  const contenders: Contender[] = [serverContender(ctx.floor, 'floor')];
  try {
    for (const kernel of BENCH_PERSONALITIES) {
      const why = kernelAvailability(kernel);
      if (why !== null) {
        contenders.push(unavailableContender('native', `kernel personality ${kernel} is unavailable here: ${why}`, { kernel }));
        continue;
      }
      const server = new RoundServer(`worker ${kernel}`, wrapArgv(kernel, workerArgv(fds, ctx.file)));
      servers.push(server);
      contenders.push(serverContender(server, 'native', 'native', { kernel }));
      if (kernel === 'host') contenders.push(serverContender(server, 'node:spawnSync', 'node:spawnSync', { kernel }));
    }
    const results = await runInterleaved(contenders, {
      rounds: ctx.sizes.personalityRounds,
      warmup: ctx.sizes.warmup,
      onRound: progress(ctx, `personalities (${fds} open fds)`),
    });
    return levelRows('personalities', { open_fds: fds }, results);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export async function stressScenario(ctx: ScenarioContext): Promise<BenchRow[]> {
  const s = ctx.sizes;
  const fdcount = nativePath('fdaudit-fdcount');
  // The same program launched one at a time with nothing else going on: what the load costs each launch.
  // The floor and node:spawnSync seal nothing, so their children count whatever this process holds open
  // non-CLOEXEC (an inherited fd, say): they run the same count and exit 0 regardless.
  const floor = startFloor(fdcount, ['--exit-zero']);
  let rows: BenchRow[];
  try {
    const baseline = await runInterleaved(
      [serverContender(floor, 'floor'), nativeContender(fdcount), nodeSpawnSyncContender(fdcount, ['--exit-zero'])],
      { rounds: s.stressBaselineRounds, warmup: s.warmup, onRound: progress(ctx, 'stress baseline') },
    );
    rows = levelRows('stress', { phase: 'baseline', program: 'fdaudit-fdcount' }, baseline);
  } finally {
    await floor.stop();
  }
  ctx.log(`stress: ${s.stressThreads} threads × ${s.stressLaunchesPerThread} sealed launches under fd churn and a signal flood`);
  const out = await runStress({
    file: fdcount,
    launchThreads: s.stressThreads,
    launchesPerThread: s.stressLaunchesPerThread,
    churnThreads: s.stressChurnThreads,
    signalsPerTick: s.stressSignalsPerTick,
  });
  const floorUs = rows.find((r) => r.launcher === 'floor')?.median_us ?? null;
  const spawnSyncUs = rows.find((r) => r.launcher === 'node:spawnSync')?.median_us ?? null;
  const summary = summarize(out.samples);
  const row: BenchRow = {
    scenario: 'stress',
    launcher: 'native',
    params: {
      phase: 'load',
      program: 'fdaudit-fdcount',
      threads: s.stressThreads,
      launches_per_thread: s.stressLaunchesPerThread,
      churn_threads: s.stressChurnThreads,
      launches: out.launches,
      launches_per_s: out.launchesPerSec,
      extra_fd_children: out.extraFdChildren,
      max_extra_fds: out.maxExtraFds,
      zombies: out.zombies,
      parent_fd_delta: out.fdDelta,
      signals_sent: out.signalsSent,
      signals_handled: out.signalsHandled,
      churn_cycles: out.churnCycles,
      errors: out.errors.length,
    },
    ...summary,
    ratios: { floor: ratio(summary.median_us, floorUs), 'node:spawnSync': ratio(summary.median_us, spawnSyncUs) },
  };
  if (out.errors.length) row.error = out.errors.slice(0, 5).join('; ');
  rows.push(row);
  return rows;
}

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

/** Personalities timed with many fds open (sizes.personalityFds): what each fallback costs per open fd. */
export const BENCH_PERSONALITIES: readonly KernelId[] = ['host', 'linux-5.8', 'linux-5.8+no-proc', 'huge-nofile', 'container-eperm+huge-nofile'];

/**
 * Personalities timed with few fds open (sizes.personalityFewFds): there a fallback's cost is its bound,
 * not the open fds, and a bound that follows a 2^30 RLIMIT_NOFILE shows.
 */
export const BENCH_HUGE_PERSONALITIES: readonly KernelId[] = ['host', 'huge-nofile', 'container-eperm+huge-nofile'];

/**
 * One launch of a worker above this is a sweep over fd numbers up to the limit, not a launch: it is
 * recorded once, as measured, and left out of the rounds (a hundred of them would take many minutes).
 */
export const SWEEP_US = 1_000_000;

/** argv of a benchmark worker process (worker.ts), runnable from tsx in development and from dist/. */
export function workerArgv(openFds: number, file: string): string[] {
  const here = import.meta.url;
  const ts = here.endsWith('.ts');
  const worker = new URL(`./worker${ts ? '.ts' : '.js'}`, here).pathname;
  // Under tsx the worker needs the same loader; resolved to a path so it works from any cwd (and without /proc).
  const loader = ts ? ['--import', import.meta.resolve('tsx')] : [];
  return [process.execPath, ...loader, worker, '--fds', String(openFds), '--true', file];
}

/** One level: a worker per personality holding `fds` open fds, `native` in each, interleaved round by round. */
async function personalityLevel(ctx: ScenarioContext, kernels: readonly KernelId[], fds: number): Promise<BenchRow[]> {
  const servers: RoundServer[] = [];
  const contenders: Contender[] = [serverContender(ctx.floor, 'floor')];
  const swept: ContenderResult[] = [];
  try {
    for (const kernel of kernels) {
      const why = kernelAvailability(kernel);
      if (why !== null) {
        contenders.push(unavailableContender('native', `kernel personality ${kernel} is unavailable here: ${why}`, { kernel }));
        continue;
      }
      const server = new RoundServer(`worker ${kernel}`, wrapArgv(kernel, workerArgv(fds, ctx.file)));
      servers.push(server);
      const native = serverContender(server, 'native', 'native', { kernel });
      // A first launch outside the rounds: it starts the worker, and tells a sweep from a launch.
      let first: number;
      try {
        first = await native.round();
      } catch (err) {
        swept.push({ contender: native, samples: [], error: err instanceof Error ? err.message : String(err) });
        continue;
      }
      if (first > SWEEP_US) {
        const ms = Math.round(first / 1000);
        ctx.log(`personalities: native under ${kernel} took ${ms} ms for one launch; not timed in rounds`);
        swept.push({ contender: native, samples: [first], error: `one launch took ${ms} ms (a sweep over fd numbers up to the limit): measured once, not in rounds` });
      } else {
        contenders.push(native);
      }
      if (kernel === 'host') contenders.push(serverContender(server, 'node:spawnSync', 'node:spawnSync', { kernel }));
    }
    const results = await runInterleaved(contenders, {
      rounds: ctx.sizes.personalityRounds,
      warmup: ctx.sizes.warmup,
      onRound: progress(ctx, `personalities (${fds} open fds)`),
    });
    return levelRows('personalities', { open_fds: fds }, [...results, ...swept]);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export async function personalityScenario(ctx: ScenarioContext): Promise<BenchRow[]> {
  return [
    ...(await personalityLevel(ctx, BENCH_PERSONALITIES, ctx.sizes.personalityFds)),
    ...(await personalityLevel(ctx, BENCH_HUGE_PERSONALITIES, ctx.sizes.personalityFewFds)),
  ];
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

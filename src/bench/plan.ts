/** How big each scenario is: the full benchmark and the `--quick` smoke run. */
import type { ScenarioName } from './types.ts';

export interface ScenarioSizes {
  /** Parent resident memory levels, MiB. */
  memoryMiB: number[];
  memoryRounds: number;
  /** Non-CLOEXEC fds held open in the parent. */
  openFds: number[];
  fdRounds: number;
  /** Open fds in each personality worker. */
  personalityFds: number;
  /** Open fds in the workers of the few-fds level (huge-nofile against host). */
  personalityFewFds: number;
  personalityRounds: number;
  /** Round trips before the timed ones, in every interleaved scenario. */
  warmup: number;
  stressThreads: number;
  stressLaunchesPerThread: number;
  stressChurnThreads: number;
  stressSignalsPerTick: number;
  stressBaselineRounds: number;
  /** trace: /bin/true runs in the shell loop, its interleaved rounds, and the exec counts of the tree levels. */
  traceLoopExecs: number;
  traceRounds: number;
  traceTreeExecs: number[];
}

export const FULL: ScenarioSizes = {
  memoryMiB: [50, 512, 2048],
  memoryRounds: 200,
  openFds: [10, 1000, 10_000, 19_000],
  fdRounds: 100,
  personalityFds: 10_000,
  personalityFewFds: 10,
  personalityRounds: 100,
  warmup: 10,
  stressThreads: 4,
  stressLaunchesPerThread: 2500,
  stressChurnThreads: 2,
  stressSignalsPerTick: 10,
  stressBaselineRounds: 100,
  traceLoopExecs: 3000,
  traceRounds: 5,
  traceTreeExecs: [1000, 10_000],
};

export const QUICK: ScenarioSizes = {
  memoryMiB: [50, 256],
  memoryRounds: 5,
  openFds: [10, 1000],
  fdRounds: 5,
  personalityFds: 1000,
  personalityFewFds: 10,
  personalityRounds: 5,
  warmup: 1,
  stressThreads: 4,
  stressLaunchesPerThread: 25,
  stressChurnThreads: 1,
  stressSignalsPerTick: 4,
  stressBaselineRounds: 5,
  traceLoopExecs: 200,
  traceRounds: 2,
  traceTreeExecs: [200, 1000],
};

/** The sizes with `--rounds`/`--warmup` applied to every interleaved scenario. */
export function sizesFor(quick: boolean, rounds?: number, warmup?: number): ScenarioSizes {
  const base = { ...(quick ? QUICK : FULL) };
  if (rounds !== undefined) {
    base.memoryRounds = base.fdRounds = base.personalityRounds = base.stressBaselineRounds = rounds;
  }
  if (warmup !== undefined) base.warmup = warmup;
  return base;
}

export const DEFAULT_SCENARIOS: readonly ScenarioName[] = ['memory', 'fds', 'personalities', 'stress', 'trace'];

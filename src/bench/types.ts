/** The `fdaudit/bench@1` report: one row per scenario level and launcher. */
import type { HostFacts } from '../audit/types.ts';

export const BENCH_SCHEMA = 'fdaudit/bench@1';

export const SCENARIOS = ['memory', 'fds', 'personalities', 'stress', 'trace'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Launcher ids a row can carry: the audit's ids plus `floor` (the C loop) and `native[STRATEGY]`. */
export type BenchLauncher = string;

export interface BenchRatios {
  /** median / the floor's median in the same scenario level (null when the floor has no figure there). */
  floor: number | null;
  /** median / node:spawnSync's median in the same scenario level. */
  'node:spawnSync': number | null;
}

export interface BenchRow {
  scenario: ScenarioName;
  launcher: BenchLauncher;
  /** What the level holds (parent RSS, open fds, kernel personality, close strategy, stress counters). */
  params: Record<string, string | number | boolean | null>;
  /** Timed rounds (after the warm-up). 0 when the row could not be measured; `error` then says why. */
  n: number;
  median_us: number | null;
  p95_us: number | null;
  min_us: number | null;
  ratios: BenchRatios;
  error?: string;
}

export interface BenchTarget {
  id: string;
  /** What is claimed, e.g. "native ≤ 1.25× the C floor at 2048 MiB". */
  claim: string;
  value: number | null;
  limit: number;
  /** 'max': value must be ≤ limit; 'min': value must be ≥ limit. */
  kind: 'max' | 'min';
  met: boolean | null;
}

export interface BenchHost extends HostFacts {
  cpus: number;
  cpuModel: string;
  memTotalMiB: number;
  /** soft/hard RLIMIT_NOFILE of the benchmark process. */
  nofile: { soft: number | 'unlimited'; hard: number | 'unlimited' };
  loadavg: number[];
}

export interface BenchReport {
  schema: typeof BENCH_SCHEMA;
  host: BenchHost;
  command: string;
  quick: boolean;
  rounds: number;
  warmup: number;
  scenarios: ScenarioName[];
  startedAt: string;
  durationMs: number;
  rows: BenchRow[];
  targets: BenchTarget[];
}

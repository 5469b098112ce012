/**
 * The state of one run, shared by the plugin, the fixtures, the matrix helpers and the CLI.
 *
 * It lives on globalThis under a registered symbol, not in module scope: a spec may import the runner
 * from the sources (suites/ in this repository) while the CLI runs the compiled copy, and both module
 * instances must see one set of options and one result cache.
 */
import type { AuditResult } from '../audit/types.ts';
import type { BaitKind } from '../bait/types.ts';

/** What a user states about one of their launchers (`--expect NAME=VERDICT`); default `sealed`. */
export type Expectation = 'sealed' | 'leak' | 'error';
export const EXPECTATIONS: readonly Expectation[] = ['sealed', 'leak', 'error'];

/** A launcher the user added for this run (`--exec NAME=TEMPLATE` or the config file). */
export interface UserLauncherEntry {
  /** Launcher id, `ext:NAME`. */
  id: string;
  /** How it was defined, for messages (the template, or the module path). */
  source: string;
  expect: Expectation;
}

export interface RunOptions {
  /** Kernel personality this process runs under (the worker's FDAUDIT_KERNEL; 'host' otherwise). */
  kernel: string;
  /** Whether this process is one personality of a multi-kernel run: then test names carry the kernel. */
  matrix: boolean;
  /** --launcher: the launchers the run is restricted to; null = no restriction. */
  launchers: string[] | null;
  /** --bait: the bait kinds the run is restricted to; null = every kind. */
  baits: BaitKind[] | null;
  /** --grep: only tests whose full title contains this text run. */
  grep: string | null;
  /** Launchers added with --exec or the config file, with what the user expects of them. */
  userLaunchers: UserLauncherEntry[];
  /** --exec templates as given (`NAME=TEMPLATE`), re-registered by every worker process. */
  execSpecs: string[];
  /** --config file, re-read by every worker process. */
  configFile: string | null;
  /** Per-launcher timeout handed to the engine. */
  timeoutMs: number;
}

export interface RunState {
  options: RunOptions;
  /** Audits in flight or done, keyed by launcher, kernel and bait selection. */
  cache: Map<string, Promise<AuditResult>>;
  /** Finished audits in the order they completed (the rows of audit.json). */
  results: AuditResult[];
  /** Tail of the audit queue: audits run one after another. */
  queue: Promise<unknown>;
}

export function defaultRunOptions(env: NodeJS.ProcessEnv = process.env): RunOptions {
  return {
    kernel: env.FDAUDIT_KERNEL || 'host',
    matrix: env.FDAUDIT_MATRIX === '1',
    launchers: null,
    baits: null,
    grep: null,
    userLaunchers: [],
    execSpecs: [],
    configFile: null,
    timeoutMs: 30_000,
  };
}

const KEY = Symbol.for('fdaudit.runner.state');

type Holder = { [KEY]?: RunState };

/** The run state of this process, created with defaults from the environment on first use. */
export function runState(): RunState {
  const g = globalThis as Holder;
  g[KEY] ??= { options: defaultRunOptions(), cache: new Map(), results: [], queue: Promise.resolve() };
  return g[KEY];
}

/** Replaces the run's options (the CLI and the plugin call this before specs are imported). */
export function configureRun(options: Partial<RunOptions>): RunOptions {
  const s = runState();
  s.options = { ...s.options, ...options };
  return s.options;
}

/** Drops every cached audit and result (a fresh run in the same process). */
export function resetRun(): void {
  const s = runState();
  s.cache.clear();
  s.results.length = 0;
}

/**
 * Finished audit results of this run, one per (launcher, kernel): where a launcher was audited more than
 * once (a narrower bait selection, a fresh launch), the one with the most baits, latest on a tie.
 */
export function collectedResults(): AuditResult[] {
  const best = new Map<string, AuditResult>();
  for (const r of runState().results) {
    const key = `${r.launcher}\u0000${r.kernel}`;
    const prev = best.get(key);
    if (!prev || r.baits.length >= prev.baits.length) best.set(key, r);
  }
  return [...best.values()];
}

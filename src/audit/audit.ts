/**
 * The engine: bait set → launcher → probe report → verdict, one result per launcher, one launcher at
 * a time (baits, the soft limit and signal dispositions are process-wide state). Everything it opens
 * or changes is closed, removed or restored afterwards, also when the launch fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBaits } from '../bait/open.ts';
import { BAIT_KINDS, type BaitKind, type BaitSet } from '../bait/types.ts';
import { getLauncher, launcherIds, launchers as builtins } from '../launchers/registry.ts';
import type { Launcher, ScenarioSetup } from '../launchers/types.ts';
import { applySignalState } from '../native/fdops.ts';
import { readProbeReport } from '../probe/parse.ts';
import { probeArgv } from '../probe/path.ts';
import { openDeadlineWatch, type DeadlineWatch } from './deadline.ts';
import { restoreDispositions, signalDispositions } from './dispositions.ts';
import { errorResult, judge, type JudgeContext } from './judge.ts';
import type { AuditResult } from './types.ts';

/**
 * Per launch. A launch takes milliseconds; one still running after this is sweeping fd numbers up to a
 * huge limit (a close() per number to 2^30 takes minutes). Generous, because a launch of an external
 * launcher on a loaded machine can take seconds, and each launcher that times out costs a run only this.
 */
export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * After the per-launch timeout the launcher kills its process group and returns; if it has not
 * returned this much later either, the engine stops waiting for it so that the run goes on.
 */
const ABANDON_AFTER_MS = 10_000;

/** The message of a launch that ran out of time (the same wording as the launchers' own). */
export function timeoutMessage(launcher: string, timeoutMs: number, detail = 'its process group was killed'): string {
  return `${launcher} did not finish within ${timeoutMs} ms; ${detail}`;
}

/** The parent state every launcher runs in, so that a launcher that resets nothing is seen to. */
export const PARENT_SIGNALS = { blocked: ['SIGUSR1'], ignored: ['SIGUSR2'] } as const;

export interface AuditOptions {
  /** Launchers by id or as objects (user launchers); default every built-in one. */
  launchers?: ReadonlyArray<string | Launcher>;
  /** Bait kinds; default all. */
  baits?: readonly BaitKind[];
  /** Kernel personality this process runs under; recorded in every result. Default 'host'. */
  kernel?: string;
  /** Per launch; the launcher's process group is killed after it. Default 15 s. */
  timeoutMs?: number;
  /** Enter each launcher's exposing scenario (mutants). Default true. */
  scenarios?: boolean;
  /** Block SIGUSR1 in the launching thread and ignore SIGUSR2 while each launcher runs. Default true. */
  parentSignals?: boolean;
  /** Directory for the temporary report and bait files (default os.tmpdir()); everything is removed afterwards. */
  tmpDir?: string;
  /** Called before each launcher runs (1-based index), e.g. for a progress line. */
  onStart?: (launcher: Launcher, index: number, total: number) => void;
  /** Called after each result. */
  onResult?: (result: AuditResult) => void;
}

/** Resolves and validates launchers (RangeError naming the bad id and the valid ones). */
export function resolveLaunchers(list: ReadonlyArray<string | Launcher> | undefined): Launcher[] {
  const out: Launcher[] = [];
  const seen = new Set<string>();
  for (const item of list ?? builtins) {
    const l = typeof item === 'string' ? getLauncher(item) : item;
    if (seen.has(l.id)) {
      throw new RangeError(
        launcherIds().includes(l.id) && typeof item !== 'string'
          ? `launcher '${l.id}' clashes with the built-in launcher of that id; choose another name`
          : `launcher '${l.id}' is listed twice`,
      );
    }
    seen.add(l.id);
    out.push(l);
  }
  return out;
}

/** Validates bait kinds (RangeError naming the bad kind and the valid ones). */
export function resolveBaitKinds(kinds: readonly string[] | undefined): BaitKind[] {
  if (kinds === undefined) return [...BAIT_KINDS];
  const valid = BAIT_KINDS as readonly string[];
  for (const k of kinds) {
    if (!valid.includes(k)) throw new RangeError(`unknown bait kind '${k}'; valid: ${BAIT_KINDS.join(', ')}`);
  }
  return [...new Set(kinds)] as BaitKind[];
}

function validateTimeout(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${ms}`);
  return ms;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const e = err as NodeJS.ErrnoException & { syscall?: string };
    return e.message || `${e.name}${e.code ? ` ${e.code}` : ''}`;
  }
  return String(err);
}

interface RunOne {
  kinds: readonly BaitKind[];
  tmpDir?: string;
  kernel: string;
  timeoutMs: number;
  scenarios: boolean;
  parentSignals: boolean;
  /** The deadline thread of a series of launches; without one, this launch starts and stops its own. */
  deadlines?: DeadlineWatch;
}

/**
 * `promise`, or a rejection with `reason()` if it has not settled within `ms` of this thread's own
 * time: a stretch in which the thread was blocked (a launch scanning fd numbers before it forks)
 * counts as one tick, so the launcher gets its `ms` of running time to react after it.
 */
async function settleWithin<T>(promise: Promise<T>, ms: number, reason: () => Error): Promise<T> {
  const TICK_MS = 250;
  let timer: NodeJS.Timeout | undefined;
  const abandoned = new Promise<never>((_, reject) => {
    let counted = 0;
    let last = performance.now();
    timer = setInterval(() => {
      const now = performance.now();
      counted += Math.min(now - last, 2 * TICK_MS);
      last = now;
      if (counted >= ms) reject(reason());
    }, TICK_MS);
  });
  try {
    return await Promise.race([promise, abandoned]);
  } finally {
    clearInterval(timer);
  }
}

/** Audits one launcher against one fresh bait set. Never throws for a launcher's failure: that is the result. */
export async function auditLauncher(launcher: Launcher, opts: RunOne): Promise<AuditResult> {
  if (opts.deadlines) return auditWith(launcher, opts, opts.deadlines);
  const deadlines = openDeadlineWatch();
  try {
    return await auditWith(launcher, opts, deadlines);
  } finally {
    await deadlines.close();
  }
}

async function auditWith(launcher: Launcher, opts: RunOne, deadlines: DeadlineWatch): Promise<AuditResult> {
  const { kernel } = opts;
  let reason: string | null;
  try {
    reason = await launcher.unavailable();
  } catch (err) {
    reason = `availability check failed: ${describe(err)}`;
  }
  if (reason !== null) return errorResult(launcher.id, kernel, 'skipped', reason);

  const root = opts.tmpDir ?? tmpdir();
  const dir = mkdtempSync(join(root, 'fdaudit-'));
  const reportPath = join(dir, 'report.json');
  let baits: BaitSet | undefined;
  let scenario: string | undefined;
  let started: number | undefined;
  let ended: number | undefined;
  const durationMs = (): number => (started === undefined ? 0 : Math.round(((ended ?? performance.now()) - started) * 100) / 100);
  let timedOut = false;
  const failed = (reason: string): AuditResult =>
    errorResult(launcher.id, kernel, 'error', timedOut ? timeoutMessage(launcher.id, opts.timeoutMs) : reason, scenario, durationMs());
  try {
    // The deadline thread must be up before anything is launched. Starting, a Node thread may hold an
    // fd without close-on-exec for a moment (Node 24 opens its own executable to read its mappings):
    // a launch at that moment would pass it on, and the launcher would be charged with our fd. And a
    // scenario may close one of fds 0-2: the thread must have made its own fds by then, or it could be
    // handed that number.
    await deadlines.ready();
    const set = openBaits([...opts.kinds], { tmpRoot: root });
    baits = set;
    const baitFds = set.baits.filter((b) => b.kind !== 'cloexec').map((b) => b.fd);
    // Taken before the parent state is applied: what every launch, this one's successors included, starts from.
    const dispositions = signalDispositions();
    const restoreSignals = opts.parentSignals ? applySignalState(PARENT_SIGNALS) : () => {};
    let setup: ScenarioSetup | null = null;
    let outcome;
    try {
      if (opts.scenarios && launcher.scenario) {
        setup = launcher.scenario.enter({ kernel });
        scenario = setup.applied;
      }
      const deadline = deadlines.arm(opts.timeoutMs);
      started = performance.now();
      try {
        outcome = await settleWithin(
          launcher.run({
            probeArgv: probeArgv(reportPath),
            reportPath,
            keep: [...set.keep],
            baitFds,
            timeoutMs: opts.timeoutMs,
            kernel,
            ...setup?.context,
          }),
          opts.timeoutMs + ABANDON_AFTER_MS,
          () => new Error(timeoutMessage(launcher.id, opts.timeoutMs, 'it did not stop when told to and was left behind')),
        );
      } finally {
        ended = performance.now();
        deadline.disarm();
        // Killed by the deadline while this thread was blocked: whatever the launcher made of that.
        timedOut = deadline.fired();
      }
    } finally {
      try {
        await setup?.restore();
      } finally {
        try {
          restoreSignals();
        } finally {
          // Whatever ran in this process during the launch (an in-process adapter, the library it
          // calls) may have left a signal ignored or defaulted: the next launch starts from the same parent.
          restoreDispositions(dispositions);
        }
      }
    }
    const tail = outcome.stderr?.trim() ? `: ${outcome.stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
    if (timedOut) return failed('');
    // Over time without a kill: the launch blocked this thread (a scan before the fork) and ended on its
    // own before anything could stop it. It still ran past the timeout, and says so.
    if (durationMs() > opts.timeoutMs) {
      return failed(timeoutMessage(launcher.id, opts.timeoutMs, `it took ${Math.round(durationMs())} ms, blocking the launching thread, so nothing could stop it sooner`));
    }
    if (outcome.signal !== null) return failed(`the launched process was killed by ${outcome.signal}${tail}`);
    if (outcome.code !== 0) return failed(`the launched process exited with code ${outcome.code}${tail}`);
    let report;
    try {
      report = await readProbeReport(reportPath);
    } catch (err) {
      return failed(`no usable probe report: ${describe(err)}`);
    }
    const ctx: JudgeContext = { kernel, closeStrategy: outcome.closeStrategy, skippedBaits: set.skipped, durationMs: durationMs() };
    if (scenario) ctx.scenario = scenario;
    return judge(set.baits, report, launcher, ctx);
  } catch (err) {
    return failed(describe(err));
  } finally {
    try {
      baits?.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The launch core closes its exit watch (a pidfd) just after delivering the exit; one turn of the
    // event loop, so that nothing of this launch is open any more when the result is handed out.
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Runs each launcher against every bait kind, one launcher at a time, and returns one result per
 * launcher. Bad options throw (TypeError/RangeError) before anything starts; a launcher's failure is
 * its result (`error` or `skipped` with the reason), never an exception.
 */
export async function audit(options: AuditOptions = {}): Promise<AuditResult[]> {
  const list = resolveLaunchers(options.launchers);
  const kinds = resolveBaitKinds(options.baits);
  const timeoutMs = validateTimeout(options.timeoutMs);
  const kernel = options.kernel ?? 'host';
  if (options.tmpDir !== undefined && (typeof options.tmpDir !== 'string' || options.tmpDir === '')) {
    throw new TypeError('tmpDir must be a non-empty string');
  }
  if (typeof kernel !== 'string' || kernel === '') throw new TypeError('kernel must be a non-empty string');
  const results: AuditResult[] = [];
  const deadlines = openDeadlineWatch();
  try {
    for (const [i, launcher] of list.entries()) {
      options.onStart?.(launcher, i + 1, list.length);
      const r = await auditLauncher(launcher, {
        kinds,
        kernel,
        timeoutMs,
        scenarios: options.scenarios ?? true,
        parentSignals: options.parentSignals ?? true,
        deadlines,
        ...(options.tmpDir === undefined ? {} : { tmpDir: options.tmpDir }),
      });
      results.push(r);
      options.onResult?.(r);
    }
  } finally {
    await deadlines.close();
  }
  return results;
}

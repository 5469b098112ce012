/**
 * Audits for specs: one launch per (launcher, kernel, bait selection) per run, however many tests look
 * at the result. Audits run one at a time, because baits, the soft limit and signal dispositions are
 * process-wide state that two concurrent audits would see of each other.
 */
import { audit as runAudit } from '../audit/index.ts';
import type { AuditResult } from '../audit/types.ts';
import { BAIT_KINDS, type BaitKind } from '../bait/types.ts';
import { getLauncher, isLauncherId, launcherIds } from '../launchers/index.ts';
import type { Launcher } from '../launchers/types.ts';
import { runState } from './state.ts';

export interface AuditRequest {
  /** Narrow the bait kinds for this audit (within the run's --bait selection). */
  baits?: readonly BaitKind[];
  /** Launch again instead of reusing this run's result. */
  fresh?: boolean;
  /**
   * Enter the launcher's exposing scenario (mutants: a forced fallback, a raised soft limit …); default
   * true. false audits the launcher as it behaves by itself, e.g. to see the kernel alone expose it.
   */
  scenario?: boolean;
}

/** Launchers added for this run (`--exec`, config), by id; filled by the CLI or the plugin. */
const USER_KEY = Symbol.for('fdaudit.runner.userLaunchers');
type Holder = { [USER_KEY]?: Map<string, Launcher> };

export function userLauncherRegistry(): Map<string, Launcher> {
  const g = globalThis as Holder;
  g[USER_KEY] ??= new Map();
  return g[USER_KEY];
}

/** The launcher object for an id: a user launcher of this run, else a built-in one. */
export function resolveLauncher(id: string): Launcher {
  const user = userLauncherRegistry().get(id);
  if (user) return user;
  if (isLauncherId(id)) return getLauncher(id);
  const users = [...userLauncherRegistry().keys()];
  throw new RangeError(`unknown launcher '${id}'; valid: ${[...launcherIds(), ...users].join(', ')}`);
}

/** The bait kinds an audit uses: the request's, within the run's selection, in catalogue order. */
export function effectiveBaits(requested?: readonly BaitKind[]): BaitKind[] {
  const run = runState().options.baits;
  for (const k of requested ?? []) {
    if (!(BAIT_KINDS as readonly string[]).includes(k)) {
      throw new RangeError(`unknown bait kind '${k}'; valid: ${BAIT_KINDS.join(', ')}`);
    }
  }
  return BAIT_KINDS.filter((k) => (!run || run.includes(k)) && (!requested || requested.includes(k)));
}

/** A result for a launcher the run leaves out (--launcher): nothing was launched, nothing is reported. */
function notSelected(id: string, kernel: string, selection: readonly string[]): AuditResult {
  return {
    launcher: id,
    kernel,
    status: 'skipped',
    baits: [],
    extraFds: [],
    rlimitNofile: null,
    signals: null,
    closeStrategy: null,
    error: `not in this run's --launcher selection (${selection.join(', ')})`,
    durationMs: 0,
  };
}

function serialized<T>(job: () => Promise<T>): Promise<T> {
  const state = runState();
  const next = state.queue.then(job, job);
  state.queue = next.catch(() => undefined);
  return next;
}

/**
 * The audit result of `launcherId` under this process's kernel personality: launched on first request,
 * shared afterwards. Unknown launchers and bait kinds throw a RangeError naming the valid ones.
 */
export function auditCached(launcherId: string, request: AuditRequest = {}): Promise<AuditResult> {
  if (typeof launcherId !== 'string' || launcherId === '') {
    return Promise.reject(new TypeError('audit(launcher): launcher must be a launcher id such as "native" or "node:spawn"'));
  }
  const state = runState();
  const { kernel, launchers: selection, timeoutMs } = state.options;
  let launcher: Launcher;
  let kinds: BaitKind[];
  try {
    launcher = resolveLauncher(launcherId);
    kinds = effectiveBaits(request.baits);
  } catch (err) {
    return Promise.reject(err);
  }
  if (selection && !selection.includes(launcher.id)) return Promise.resolve(notSelected(launcher.id, kernel, selection));
  const scenarios = request.scenario ?? true;
  const key = `${launcher.id}\u0000${kernel}\u0000${kinds.join(',')}\u0000${scenarios}`;
  const cached = state.cache.get(key);
  if (cached && !request.fresh) return cached;
  const pending = serialized(async () => {
    const [result] = await runAudit({ launchers: [launcher], baits: kinds, kernel, timeoutMs, scenarios });
    if (!result) throw new Error(`the audit of ${launcher.id} returned no result`);
    state.results.push(result);
    return result;
  });
  state.cache.set(key, pending);
  return pending;
}

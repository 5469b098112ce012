/**
 * The japa plugin. Fixtures and assertions are installed as soon as the runner is imported (so a spec
 * works under any japa configuration that loads @japa/assert); the plugin sets the run's options and
 * registers the run's user launchers before the spec files are imported.
 */
import type { PluginFn } from '@japa/runner/types';
import { BAIT_KINDS } from '../bait/types.ts';
import { launcherIds } from '../launchers/registry.ts';
import type { Launcher } from '../launchers/types.ts';
import { userLauncherRegistry } from './cache.ts';
import { configureRun, type RunOptions } from './state.ts';

export interface FdauditPluginOptions extends Partial<RunOptions> {
  /** Launcher objects to add to the run (in-process adapters, `execLauncher(...)` results). */
  launcherObjects?: readonly Launcher[];
}

/** Bad options throw here, when the japa config is written, naming the bad value and the valid ones. */
function checkOptions(options: FdauditPluginOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('fdaudit(options): options must be an object');
  for (const k of options.baits ?? []) {
    if (!(BAIT_KINDS as readonly string[]).includes(k)) {
      throw new RangeError(`fdaudit(options): unknown bait kind '${k}'; valid: ${BAIT_KINDS.join(', ')}`);
    }
  }
  const valid = [...launcherIds(), ...(options.launcherObjects ?? []).map((l) => l.id), ...(options.userLaunchers ?? []).map((u) => u.id)];
  for (const id of options.launchers ?? []) {
    if (!valid.includes(id)) throw new RangeError(`fdaudit(options): unknown launcher '${id}'; valid: ${valid.join(', ')}`);
  }
  if (options.grep !== undefined && options.grep !== null && typeof options.grep !== 'string') {
    throw new TypeError('fdaudit(options): grep must be a string');
  }
  if (options.kernel !== undefined && (typeof options.kernel !== 'string' || options.kernel === '')) {
    throw new TypeError('fdaudit(options): kernel must be a personality id');
  }
}

export function fdaudit(options: FdauditPluginOptions = {}): PluginFn {
  checkOptions(options);
  return function fdauditPlugin() {
    const { launcherObjects, ...rest } = options;
    const registry = userLauncherRegistry();
    const added = [...(rest.userLaunchers ?? [])];
    for (const l of launcherObjects ?? []) {
      registry.set(l.id, l);
      if (!added.some((e) => e.id === l.id)) added.push({ id: l.id, source: l.description, expect: 'sealed' });
    }
    configureRun(launcherObjects ? { ...rest, userLaunchers: added } : rest);
  };
}

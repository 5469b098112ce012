/**
 * The japa plugin. Fixtures and assertions are installed as soon as the runner is imported (so a spec
 * works under any japa configuration that loads @japa/assert); the plugin sets the run's options and
 * registers the run's user launchers before the spec files are imported.
 */
import type { PluginFn } from '@japa/runner/types';
import type { Launcher } from '../launchers/types.ts';
import { userLauncherRegistry } from './cache.ts';
import { configureRun, type RunOptions } from './state.ts';

export interface FdauditPluginOptions extends Partial<RunOptions> {
  /** Launcher objects to add to the run (in-process adapters, `execLauncher(...)` results). */
  launcherObjects?: readonly Launcher[];
}

export function fdaudit(options: FdauditPluginOptions = {}): PluginFn {
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

/**
 * The spawn libraries Node users call instead of child_process, as built-in launchers. Each goes
 * through the adapter interface a user's fdaudit.config uses (adapterLauncher); only the id is the
 * library's bare name, and the library is loaded when the launcher runs (missing → skipped).
 */
import { applySignalState, signalDisposition } from '../../native/fdops.ts';
import { ignoredSignals } from '../host-signals.ts';
import { LauncherTimeoutError } from '../process.ts';
import type { Launcher } from '../types.ts';
import { adapterLauncher, type AdapterDefinition } from '../user.ts';
import { crossSpawnAdapter } from './adapters/cross-spawn.ts';
import { execaAdapter } from './adapters/execa.ts';
import { nodePtyAdapter } from './adapters/node-pty.ts';
import { optionalPackageMissing } from './optional.ts';

/** A built-in launcher from an adapter definition; its package is optional and detected when asked. */
export function builtinAdapter(def: AdapterDefinition, pkg: string): Launcher {
  const base = adapterLauncher(def, 'fdaudit');
  return {
    ...base,
    id: def.id,
    unavailable: () => optionalPackageMissing(pkg),
    async run(ctx) {
      const ignoredBefore = ignoredSignals();
      try {
        return await base.run(ctx);
      } catch (err) {
        // adapterLauncher names user adapters ext:NAME; a built-in one keeps its bare id.
        if (err instanceof LauncherTimeoutError) throw new LauncherTimeoutError(def.id, err.timeoutMs, 'the adapter was aborted');
        throw err;
      } finally {
        restoreIgnored(ignoredBefore);
      }
    },
  };
}

/**
 * A library that listens for a signal in this process (execa's signal-exit hooks SIGXFSZ, SIGUSR2 …)
 * leaves it at SIG_DFL when it stops listening, since Node resets a signal with no listener to the
 * default, not to what it was. Every later launch would then start from another parent state, so a
 * signal ignored before the adapter ran and left at its default is ignored again. A signal that now
 * has a handler is still in use and left alone.
 */
function restoreIgnored(before: readonly string[]): void {
  const lost = before.filter((name) => signalDisposition(name) === 'default');
  if (lost.length) applySignalState({ ignored: lost });
}

export { crossSpawnAdapter, execaAdapter, nodePtyAdapter };

export const adapterLaunchers: readonly Launcher[] = [
  builtinAdapter(execaAdapter, 'execa'),
  builtinAdapter(crossSpawnAdapter, 'cross-spawn'),
  builtinAdapter(nodePtyAdapter, 'node-pty'),
];

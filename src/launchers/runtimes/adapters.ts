/**
 * The spawn libraries Node users call instead of child_process, as built-in launchers. Each goes
 * through the adapter interface a user's fdaudit.config uses (adapterLauncher); only the id is the
 * library's bare name, and the library is loaded when the launcher runs (missing → skipped).
 */
import { restoreDispositions, signalDispositions } from '../../audit/dispositions.ts';
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
      // The engine keeps this process's signal dispositions across every launch; this keeps them for a
      // run() called outside it too (execa's signal-exit leaves SIGXFSZ at SIG_DFL).
      const before = signalDispositions();
      try {
        return await base.run(ctx);
      } catch (err) {
        // adapterLauncher names user adapters ext:NAME; a built-in one keeps its bare id.
        if (err instanceof LauncherTimeoutError) throw new LauncherTimeoutError(def.id, err.timeoutMs, 'the adapter was aborted');
        throw err;
      } finally {
        restoreDispositions(before);
      }
    },
  };
}

export { crossSpawnAdapter, execaAdapter, nodePtyAdapter };

export const adapterLaunchers: readonly Launcher[] = [
  builtinAdapter(execaAdapter, 'execa'),
  builtinAdapter(crossSpawnAdapter, 'cross-spawn'),
  builtinAdapter(nodePtyAdapter, 'node-pty'),
];

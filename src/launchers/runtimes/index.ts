/** Launchers users meet besides Node's child_process: the other runtimes and the spawn libraries. */
import type { Launcher } from '../types.ts';
import { adapterLaunchers } from './adapters.ts';
import { runtimeExternalLaunchers } from './external.ts';

export const runtimeLaunchers: readonly Launcher[] = [...runtimeExternalLaunchers, ...adapterLaunchers];

export { adapterLaunchers, builtinAdapter, crossSpawnAdapter, execaAdapter, nodePtyAdapter } from './adapters.ts';
export { denoArgs, runtimeExternalLaunchers } from './external.ts';
export { locateRuntime, clearRuntimeCache, INSTALL_HINT, type LocateOptions, type RuntimeFound, type RuntimeName } from './locate.ts';
export { optionalPackageMissing } from './optional.ts';
export { runtimeScript, RUNTIME_SCRIPTS } from './scripts.ts';

/**
 * The sealed native launcher: launchSync and launch. The variants (fork,
 * posix_spawn, mutants) are in variants.ts, for the audit only.
 */
import { runAsync, runSync } from './run.ts';
import type { LaunchHandle, LaunchOptions, LaunchSyncResult } from './types.ts';

export { LaunchError } from './error.ts';
export { launchVariant, launchVariantSync } from './variants.ts';

/**
 * Starts `file` with `args` through the sealed launcher and waits for it.
 * Resolves `file` on PATH (execvp rules) when it has no slash.
 */
export function launchSync(file: string, args: readonly string[] = [], options?: LaunchOptions): LaunchSyncResult {
  return runSync(null, file, args, options);
}

/** Starts `file`; `exited` settles once the child has exited and been reaped, without blocking the event loop. */
export function launch(file: string, args: readonly string[] = [], options?: LaunchOptions): LaunchHandle {
  return runAsync(null, file, args, options);
}


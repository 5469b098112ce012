/**
 * The native variants through the same API as the sealed launcher: 'fork',
 * 'posix_spawn', 'mutant:*' (native/variants). Internal: the audit's launcher
 * registry uses them; they are not exported from the package.
 */
import { runAsync, runSync } from './run.ts';
import type { LaunchHandle, LaunchOptions, LaunchSyncResult } from './types.ts';

function variantName(v: unknown): string {
  if (typeof v !== 'string' || v === '') throw new TypeError(`variant must be a non-empty string, got ${typeof v}`);
  return v;
}

/** Unknown names are a RangeError (from the addon's fda_variant_by_name lookup) before anything starts. */
export function launchVariantSync(variant: string, file: string, args: readonly string[], options?: LaunchOptions): LaunchSyncResult {
  return runSync(variantName(variant), file, args, options);
}

export function launchVariant(variant: string, file: string, args: readonly string[], options?: LaunchOptions): LaunchHandle {
  return runAsync(variantName(variant), file, args, options);
}

/**
 * The one place launchers reach the native launch core: the sealed launcher (`launch`) and the
 * variants (fork, posix_spawn, mutants) through the same option shape.
 */
import { launch, launchVariant } from '../launch/index.ts';
import type { LaunchHandle, LaunchOptions } from '../launch/types.ts';

/** Starts `file` with the sealed launcher (variant null) or a named variant. */
export function startNative(variant: string | null, file: string, args: readonly string[], options: LaunchOptions): LaunchHandle {
  return variant === null ? launch(file, [...args], options) : launchVariant(variant, file, [...args], options);
}

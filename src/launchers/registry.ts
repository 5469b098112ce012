/** The registry of built-in launchers (DESIGN.md §5 "Launcher ids"), in display order. */
import { externalLaunchers } from './external.ts';
import { nativeLaunchers } from './native.ts';
import { nodeLaunchers } from './node.ts';
import { runtimeLaunchers } from './runtimes/index.ts';
import type { Launcher } from './types.ts';

export const launchers: readonly Launcher[] = [...nodeLaunchers, ...nativeLaunchers, ...externalLaunchers, ...runtimeLaunchers];

const byId = new Map(launchers.map((l) => [l.id, l]));

/** Ids of every built-in launcher. */
export function launcherIds(): string[] {
  return launchers.map((l) => l.id);
}

/** The built-in launcher with this id; a RangeError naming the valid ids otherwise. */
export function getLauncher(id: string): Launcher {
  const l = byId.get(id);
  if (!l) throw new RangeError(`unknown launcher '${id}'; valid: ${launcherIds().join(', ')}`);
  return l;
}

/** Whether `id` names a built-in launcher. */
export function isLauncherId(id: string): boolean {
  return byId.has(id);
}

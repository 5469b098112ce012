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

/** The built-in launcher with this id (or what stands in for it, see below); a RangeError naming the valid ids otherwise. */
export function getLauncher(id: string): Launcher {
  const l = byId.get(id);
  if (!l) throw new RangeError(`unknown launcher '${id}'; valid: ${launcherIds().join(', ')}`);
  return substitutes().get(id)?.launcher ?? l;
}

/*
 * Substitution, for the mutation check (`fdaudit run --substitute native=mutant:…`): for one run, an id
 * answers with another built-in launcher's implementation, so every expectation written for the id is
 * tried against the substitute. The stand-in keeps the id (tests, --launcher and the reports name it as
 * before) and takes everything else from the substitute: how it launches, whether it can pass fds, and
 * its exposing scenario. The scenario goes with the implementation because it is the parent state in
 * which that implementation's flaw shows; without it naive-dup and fd-setsize-fallback pass for sealed
 * on a kernel whose close_range works. The id's own expectations must hold in any such state (the audit
 * suite checks the sealed launcher in every mutant's scenario), so bringing it along asks nothing unfair
 * of them.
 *
 * Held on globalThis under a registered symbol, like the runner's state, so a spec importing the sources
 * and a CLI running the compiled copy see one table. Empty unless a run sets it: getLauncher is then
 * exactly the plain lookup.
 */
const SUBSTITUTES = Symbol.for('fdaudit.launchers.substitutes');
interface StandIn {
  implementation: string;
  launcher: Launcher;
}
type Holder = { [SUBSTITUTES]?: Map<string, StandIn> };

function substitutes(): Map<string, StandIn> {
  const g = globalThis as Holder;
  g[SUBSTITUTES] ??= new Map();
  return g[SUBSTITUTES];
}

/**
 * From now on `getLauncher(id)` gives `implementation`'s launcher under the name `id`. Both must be
 * built-in ids and differ (RangeError otherwise); substituting an id again replaces the earlier choice.
 */
export function substituteLauncher(id: string, implementation: string): void {
  const target = byId.get(id);
  if (!target) throw new RangeError(`cannot substitute unknown launcher '${id}'; valid: ${launcherIds().join(', ')}`);
  const impl = byId.get(implementation);
  if (!impl) throw new RangeError(`unknown launcher '${implementation}' to stand in for ${id}; valid: ${launcherIds().join(', ')}`);
  if (impl === target) throw new RangeError(`launcher '${id}' cannot stand in for itself`);
  // The object spread takes the substitute's scenario along when it has one, and none when it has none.
  const launcher: Launcher = { ...impl, id, description: `${impl.id} standing in for ${id}: ${impl.description}` };
  substitutes().set(id, { implementation, launcher });
}

/** Ends every substitution: each id is its own launcher again. */
export function clearSubstitutes(): void {
  substitutes().clear();
}

/** The substitutions in force, id → substitute id (empty unless a run set one). */
export function launcherSubstitutes(): Map<string, string> {
  return new Map([...substitutes()].map(([id, s]) => [id, s.implementation]));
}

/** Whether `id` names a built-in launcher. */
export function isLauncherId(id: string): boolean {
  return byId.has(id);
}

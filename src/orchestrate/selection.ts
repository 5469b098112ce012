/**
 * `--launcher`, `--bait`, `--exec`, `--config`: turning the command line into launchers and bait kinds,
 * every problem a UsageError that names the bad value.
 */
import { BAIT_KINDS, type BaitKind } from '../bait/types.ts';
import { ConfigError, loadConfig, type LoadedConfig } from '../launchers/config.ts';
import { launcherIds, launchers as builtins } from '../launchers/registry.ts';
import type { Launcher } from '../launchers/types.ts';
import { execLauncher, parseExecSpec } from '../launchers/user.ts';
import { UsageError, checkChoices } from './errors.ts';

export interface LauncherSelection {
  launchers: Launcher[];
  baits: BaitKind[];
  config: LoadedConfig | null;
}

/**
 * The launchers of a run: the built-ins (or those named with --launcher), then the config file's
 * launchers, then --exec ones. --launcher may also name a user launcher (ext:NAME) from --exec/config.
 */
export async function selectLaunchers(opts: { launcher?: string[]; bait?: string[]; exec?: string[]; config?: string }): Promise<LauncherSelection> {
  const user: Launcher[] = [];
  let config: LoadedConfig | null;
  try {
    config = await loadConfig(opts.config);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  if (config) user.push(...config.launchers);
  for (const spec of opts.exec ?? []) {
    try {
      user.push(execLauncher(parseExecSpec(spec)));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const builtinIds = launcherIds();
  const seen = new Set<string>();
  for (const l of user) {
    if (builtinIds.includes(l.id)) throw new UsageError(`launcher '${l.id}' clashes with the built-in launcher of that id; choose another name`);
    if (seen.has(l.id)) throw new UsageError(`launcher '${l.id}' is defined twice`);
    seen.add(l.id);
  }
  let selected: Launcher[];
  if (opts.launcher && opts.launcher.length > 0) {
    const all = [...builtins, ...user];
    checkChoices('launcher', opts.launcher, all.map((l) => l.id));
    selected = [...new Set(opts.launcher)].map((id) => all.find((l) => l.id === id) as Launcher);
  } else {
    selected = [...builtins, ...user];
  }
  const baits = opts.bait && opts.bait.length > 0 ? opts.bait : [...BAIT_KINDS];
  checkChoices('bait kind', baits, BAIT_KINDS);
  return { launchers: selected, baits: [...new Set(baits)] as BaitKind[], config };
}

/**
 * Launchers built on the native core: the sealed launcher, its deliberate leak, the honest variants
 * (fork, posix_spawn) and the mutants, each with the scenario that exposes its flaw.
 */
import { closeSync, openSync } from 'node:fs';
import type { LaunchOptions } from '../launch/types.ts';
import { exitWithin, killGroup, readTail } from './process.ts';
import { blockedAndIgnoredSignals, forcedFallback, raisedSoftLimit, stdinClosed } from './scenarios.ts';
import type { LaunchContext, LaunchOutcome, Launcher, LauncherKind, Scenario } from './types.ts';

/** Where a launcher's own stdout/stderr go (read back for error messages). */
export function outputPath(ctx: LaunchContext): string {
  return `${ctx.reportPath}.out`;
}

export interface NativeRunSpec {
  /** Launcher id, for messages. */
  id: string;
  /** null: the sealed launcher; else a variant name ('fork', 'posix_spawn', 'mutant:…'). */
  variant: string | null;
  file: string;
  args: readonly string[];
  /** Options beyond the stdio plan, keep and process group (seal, rlimit, signals…). */
  options?: LaunchOptions;
  /** Fds passed through on purpose; default ctx.keep. */
  keep?: readonly number[];
}

/**
 * Starts one program with the native core: stdin /dev/null (or closed when the scenario closed the
 * parent's), stdout and stderr into a capture file, its own process group so a timeout kills it whole.
 */
export async function runNative(spec: NativeRunSpec, ctx: LaunchContext): Promise<LaunchOutcome> {
  // Loaded on first use: listing launchers or running the node:* ones needs no native launch core.
  const { startNative } = await import('./backend.ts');
  const out = openSync(outputPath(ctx), 'w'); // Node opens with O_CLOEXEC: only the plan's copies reach the child.
  let devnull: number | null = null;
  let handle;
  try {
    if (!ctx.stdinClosed) devnull = openSync('/dev/null', 'r');
    const options: LaunchOptions = {
      ...spec.options,
      stdio: [devnull, out, out],
      keep: [...(spec.keep ?? ctx.keep)],
      processGroup: true,
    };
    if (ctx.closeStrategy && ctx.closeStrategy !== 'auto') options.closeStrategy = ctx.closeStrategy;
    const spawn = (): ReturnType<typeof startNative> => startNative(spec.variant, spec.file, spec.args, options);
    handle = ctx.aroundSpawn ? ctx.aroundSpawn(spawn) : spawn();
  } finally {
    closeSync(out);
    if (devnull !== null) closeSync(devnull);
  }
  const pid = handle.pid;
  const status = await exitWithin(spec.id, handle.exited, ctx.timeoutMs, () => killGroup(pid));
  return { code: status.code, signal: status.signal, closeStrategy: handle.closeStrategy, stderr: readTail(outputPath(ctx)) };
}

interface NativeDef {
  id: string;
  description: string;
  kind: LauncherKind;
  variant: string | null;
  options?: LaunchOptions;
  canPassFds?: boolean;
  scenario?: Scenario;
}

function nativeLauncher(def: NativeDef): Launcher {
  const launcher: Launcher = {
    id: def.id,
    description: def.description,
    kind: def.kind,
    canPassFds: def.canPassFds ?? true,
    unavailable: async () => null,
    run: (ctx) => {
      const [file, ...args] = ctx.probeArgv;
      if (file === undefined) throw new TypeError('probeArgv is empty');
      return runNative({ id: def.id, variant: def.variant, file, args, options: def.options }, ctx);
    },
  };
  if (def.scenario) launcher.scenario = def.scenario;
  return launcher;
}

export const nativeLaunchers: readonly Launcher[] = [
  nativeLauncher({
    id: 'native',
    description: 'fdaudit sealed launcher: vfork, collision-safe fd plan, close_range (with fallbacks), soft limit to 1024, clean signals',
    kind: 'native',
    variant: null,
  }),
  nativeLauncher({
    id: 'native:leak',
    description: 'fdaudit launcher with seal: false, a deliberate control that passes every non-CLOEXEC fd',
    kind: 'native',
    variant: null,
    options: { seal: false },
  }),
  nativeLauncher({
    id: 'fork',
    description: 'fork() + the same fd plan, sealing and resets as the sealed launcher, then execve',
    kind: 'native',
    variant: 'fork',
  }),
  nativeLauncher({
    id: 'posix_spawn',
    description: 'glibc posix_spawn with posix_spawn_file_actions_addclosefrom_np (no way to lower the soft limit)',
    kind: 'native',
    variant: 'posix_spawn',
  }),
  nativeLauncher({
    id: 'mutant:naive-dup',
    description: 'F1/F2: saves sources with plain dup() and closes unopened slots; exposed with the parent stdin closed',
    kind: 'mutant',
    variant: 'mutant:naive-dup',
    scenario: stdinClosed,
  }),
  nativeLauncher({
    id: 'mutant:fd-setsize-fallback',
    description: 'F3: without close_range closes only fds below FD_SETSIZE; exposed by forcing a fallback (or a kernel without close_range)',
    kind: 'mutant',
    variant: 'mutant:fd-setsize-fallback',
    scenario: forcedFallback,
  }),
  nativeLauncher({
    id: 'mutant:no-rlimit-reset',
    description: 'F6 opposite: leaves the parent\'s raised soft RLIMIT_NOFILE in the child; exposed with a soft limit above 1024',
    kind: 'mutant',
    variant: 'mutant:no-rlimit-reset',
    scenario: raisedSoftLimit,
  }),
  nativeLauncher({
    id: 'mutant:no-signal-reset',
    description: 'F5: no signal handling around vfork; the child inherits the blocked mask and ignored signals',
    kind: 'mutant',
    variant: 'mutant:no-signal-reset',
    scenario: blockedAndIgnoredSignals,
  }),
  nativeLauncher({
    id: 'mutant:low-renumber',
    description: 'moves the highest stray non-CLOEXEC fd onto a low free slot instead of closing it; only identity matching finds it',
    kind: 'mutant',
    variant: 'mutant:low-renumber',
  }),
  nativeLauncher({
    id: 'mutant:forgets-keep',
    description: 'seals without its keep list: fds passed on purpose are closed too',
    kind: 'mutant',
    variant: 'mutant:forgets-keep',
  }),
  nativeLauncher({
    id: 'mutant:leak-above-1023',
    description: 'close_range bounded at FD_SETSIZE - 1 instead of ~0U: fds at 1024 and above reach the child',
    kind: 'mutant',
    variant: 'mutant:leak-above-1023',
  }),
  nativeLauncher({
    id: 'mutant:rlimit-raised-if-parent',
    description: 'resets the soft limit only when the parent\'s is a little raised (<= 4096); a far-raised one (Node\'s) crosses',
    kind: 'mutant',
    variant: 'mutant:rlimit-raised-if-parent',
    scenario: raisedSoftLimit,
  }),
];

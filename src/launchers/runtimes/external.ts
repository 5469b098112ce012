/**
 * The other JavaScript runtimes as external launchers: a script of ours, run by Bun or Deno, starts
 * the probe with that runtime's own spawn API and its defaults. Like every external launcher, the
 * runtime is started by the native launcher with every bait passed on purpose, the parent's soft
 * limit and signal state, so the row shows what the RUNTIME passes on.
 */
import { dirname } from 'node:path';
import { runNative } from '../native.ts';
import { blockedSignals, ignoredSignals } from '../host-signals.ts';
import type { LaunchContext, LaunchOutcome, Launcher } from '../types.ts';
import { locateRuntime, type RuntimeName } from './locate.ts';
import { runtimeScript, type RuntimeScript } from './scripts.ts';

/**
 * Deno runs with the least it needs: no config, lock file, remote or npm resolution, no prompt, and
 * only the probe may be run. Its cache directory is the launch's private temp directory (removed with
 * it), so nothing is written under $HOME or the working directory.
 */
export function denoArgs(script: string, probeArgv: readonly string[], needsEnv: boolean): string[] {
  const probe = probeArgv[0];
  return [
    'run', '--quiet', '--no-prompt', '--no-config', '--no-lock', '--no-remote', '--no-npm', '--no-code-cache', '--cached-only',
    ...(probe ? [`--allow-run=${probe}`] : []),
    // node:child_process reads the whole environment to hand it to the child.
    ...(needsEnv ? ['--allow-env'] : []),
    script, ...probeArgv,
  ];
}

/** Starts `runtime` with `args` the way every external launcher starts its program. */
async function runRuntime(id: string, runtime: RuntimeName, args: readonly string[], ctx: LaunchContext): Promise<LaunchOutcome> {
  const found = locateRuntime(runtime);
  if (typeof found === 'string') {
    const err = new Error(`${id}: ${found}`) as NodeJS.ErrnoException;
    err.code = 'ENOENT';
    throw err;
  }
  const scratch = dirname(ctx.reportPath);
  const keep = [...new Set([...(ctx.baitFds ?? []), ...ctx.keep])].filter((fd) => fd > 2).sort((a, b) => a - b);
  const outcome = await runNative(
    {
      id,
      variant: null,
      file: found.path,
      args,
      keep,
      options: {
        argv0: runtime,
        rlimit: 'inherit',
        signalMask: blockedSignals(),
        ignoreSignals: ignoredSignals(),
        // The scratch directory is the engine's per-launch temp directory: no package.json or deno.json
        // is found from there, and the caches Deno writes go away with it.
        cwd: scratch,
        env: { ...process.env, DENO_DIR: `${scratch}/deno-dir`, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' },
      },
    },
    ctx,
  );
  // How fdaudit sealed the runtime says nothing about how the runtime sealed the probe.
  return { ...outcome, closeStrategy: null };
}

interface RuntimeDef {
  id: string;
  runtime: RuntimeName;
  script: RuntimeScript;
  description: string;
  args(script: string, probeArgv: readonly string[]): string[];
}

function runtimeLauncher(def: RuntimeDef): Launcher {
  return {
    id: def.id,
    description: def.description,
    kind: 'external',
    // The scripts pass nothing on purpose: they show each API's defaults.
    canPassFds: false,
    async unavailable() {
      const found = locateRuntime(def.runtime);
      if (typeof found === 'string') return found;
      try {
        runtimeScript(def.script);
      } catch (err) {
        return (err as Error).message;
      }
      return null;
    },
    run: (ctx) => runRuntime(def.id, def.runtime, def.args(runtimeScript(def.script), ctx.probeArgv), ctx),
  };
}

export const runtimeExternalLaunchers: readonly Launcher[] = [
  runtimeLauncher({
    id: 'ext:bun-spawn',
    runtime: 'bun',
    script: 'bun-spawn.js',
    description: 'Bun.spawn(argv) under Bun with its defaults (stdio inherited)',
    args: (script, probe) => [script, ...probe],
  }),
  runtimeLauncher({
    id: 'ext:bun-spawnSync',
    runtime: 'bun',
    script: 'bun-spawnSync.js',
    description: 'Bun.spawnSync(argv) under Bun with its defaults (stdio inherited)',
    args: (script, probe) => [script, ...probe],
  }),
  runtimeLauncher({
    id: 'ext:deno-command',
    runtime: 'deno',
    script: 'deno-command.js',
    description: 'new Deno.Command(file, { args }).spawn() under Deno with its defaults (stdio inherited)',
    args: (script, probe) => denoArgs(script, probe, false),
  }),
  runtimeLauncher({
    id: 'ext:deno-child_process',
    runtime: 'deno',
    script: 'deno-child_process.js',
    description: "node:child_process.spawn(file, args) under Deno's Node compatibility layer (stdio inherited)",
    args: (script, probe) => denoArgs(script, probe, true),
  }),
];

/**
 * External launchers: another program (python3, sh, a user's command) is started by the native
 * launcher with every bait passed on purpose, the parent's soft limit and signal state; that program
 * then runs the probe, so the row shows what THAT program passes on.
 */
import { runNative } from './native.ts';
import { blockedSignals, ignoredSignals } from './host-signals.ts';
import { findProgram } from './process.ts';
import type { LaunchContext, LaunchOutcome, Launcher } from './types.ts';

/** The placeholder that expands to the probe's argv, word by word. */
export const PROBE_PLACEHOLDER = '{probe}';

/**
 * Starts `program` (resolved on PATH) with `argsFor(probeArgv)`: all baits kept, rlimit 'inherit', the
 * thread's blocked mask and every ignored disposition left as they are in this process.
 */
export async function runExternal(id: string, program: string, args: readonly string[], ctx: LaunchContext): Promise<LaunchOutcome> {
  const file = findProgram(program);
  if (file === null) {
    const err = new Error(`${id}: program '${program}' not found${program.includes('/') ? '' : ' on PATH'}`) as NodeJS.ErrnoException;
    err.code = 'ENOENT';
    throw err;
  }
  const keep = [...new Set([...(ctx.baitFds ?? []), ...ctx.keep])].filter((fd) => fd > 2).sort((a, b) => a - b);
  const outcome = await runNative(
    {
      id,
      variant: null,
      file,
      args,
      keep,
      options: { argv0: program, rlimit: 'inherit', signalMask: blockedSignals(), ignoreSignals: ignoredSignals() },
    },
    ctx,
  );
  // How fdaudit sealed the external program says nothing about how that program sealed the probe.
  return { ...outcome, closeStrategy: null };
}

/** subprocess.run with its defaults (close_fds=True, restore_signals=True); the probe's status passed back. */
const PYTHON_SCRIPT = [
  'import subprocess, sys',
  'r = subprocess.run(sys.argv[1:])',
  'sys.exit(r.returncode if r.returncode >= 0 else 128 - r.returncode)',
].join('\n');

const pythonSubprocess: Launcher = {
  id: 'ext:python-subprocess',
  description: 'python3 subprocess.run(argv) with its defaults (close_fds=True, restore_signals=True)',
  kind: 'external',
  canPassFds: false,
  async unavailable() {
    return findProgram('python3') === null ? 'python3 not found on PATH' : null;
  },
  run: (ctx) => runExternal('ext:python-subprocess', 'python3', ['-I', '-c', PYTHON_SCRIPT, ...ctx.probeArgv], ctx),
};

const shExec: Launcher = {
  id: 'ext:sh',
  description: 'sh -c \'exec "$@"\': the shell replaces itself with the probe, passing on all it holds',
  kind: 'external',
  canPassFds: true,
  async unavailable() {
    return findProgram('sh') === null ? 'sh not found on PATH' : null;
  },
  run: (ctx) => runExternal('ext:sh', 'sh', ['-c', 'exec "$@"', 'sh', ...ctx.probeArgv], ctx),
};

export const externalLaunchers: readonly Launcher[] = [pythonSubprocess, shExec];

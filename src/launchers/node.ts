/**
 * The baseline: Node's own child_process, launching the probe directly. libuv relies on O_CLOEXEC and
 * closes nothing else, and the child inherits the soft RLIMIT_NOFILE Node raised at start-up.
 */
import { exec, execFile, spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { outputPath } from './native.ts';
import { LauncherTimeoutError, exitWithin, killGroup, readTail } from './process.ts';
import type { LaunchContext, LaunchOutcome, Launcher } from './types.ts';

/** stdio for spawn/spawnSync: stdin ignored, stdout/stderr to `out`, each kept fd at its own number. */
function stdioWithKeep(out: number, keep: readonly number[]): StdioOptions {
  const stdio: Array<'ignore' | number> = ['ignore', out, out];
  const top = Math.max(2, ...keep);
  for (let i = 3; i <= top; i++) stdio.push(keep.includes(i) ? i : 'ignore');
  return stdio;
}

function splitProbe(ctx: LaunchContext): [string, string[]] {
  const [file, ...args] = ctx.probeArgv;
  if (file === undefined) throw new TypeError('probeArgv is empty');
  return [file, args];
}

/** POSIX shell quoting of one word. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\/.,:=+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

const available = async (): Promise<null> => null;

/** Runs `start` with an fd on the launch's output file; this process's copy is closed once the child has one. */
function withOutputFd<T>(ctx: LaunchContext, start: (out: number) => T): T {
  const out = openSync(outputPath(ctx), 'w');
  try {
    return start(out);
  } finally {
    closeSync(out);
  }
}

const nodeSpawn: Launcher = {
  id: 'node:spawn',
  description: 'child_process.spawn (libuv fork + exec): closes nothing but CLOEXEC fds, keeps Node\'s raised soft limit',
  kind: 'node',
  canPassFds: true,
  unavailable: available,
  async run(ctx) {
    const [file, args] = splitProbe(ctx);
    // detached: a new session, so a timeout can kill the whole group.
    const child = withOutputFd(ctx, (out) => spawn(file, args, { stdio: stdioWithKeep(out, ctx.keep), detached: true }));
    const exited = new Promise<{ code: number | null; signal: string | null }>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (code, signal) => res({ code, signal }));
    });
    const pid = child.pid;
    const status = await exitWithin('node:spawn', exited, ctx.timeoutMs, () => {
      if (pid !== undefined) killGroup(pid);
    });
    return { ...status, closeStrategy: null, stderr: readTail(outputPath(ctx)) };
  },
};

const nodeSpawnSync: Launcher = {
  id: 'node:spawnSync',
  description: 'child_process.spawnSync: the same libuv path, run to completion on a private loop',
  kind: 'node',
  canPassFds: true,
  unavailable: available,
  async run(ctx) {
    const [file, args] = splitProbe(ctx);
    const r = withOutputFd(ctx, (out) =>
      spawnSync(file, args, { stdio: stdioWithKeep(out, ctx.keep), timeout: ctx.timeoutMs, killSignal: 'SIGKILL' }));
    const err = r.error as NodeJS.ErrnoException | undefined;
    if (err?.code === 'ETIMEDOUT') throw new LauncherTimeoutError('node:spawnSync', ctx.timeoutMs, 'spawnSync killed the child');
    if (err) throw err;
    return { code: r.status, signal: r.signal, closeStrategy: null, stderr: readTail(outputPath(ctx)) };
  },
};

/** The error execFile/exec hand their callback: an exit status, a kill, or a failure to start. */
type ExecError = Error & { code?: number | string | null; signal?: string | null; killed?: boolean };
type ExecCallback = (error: ExecError | null, stdout: string, stderr: string) => void;

/**
 * execFile/exec give no say over stdio or process groups (their `spawn` call takes a fixed option
 * list), so they cannot pass fds and a timeout kills the child itself; the probe starts nothing, so
 * that is the whole tree.
 */
function callbackLauncher(id: 'node:execFile' | 'node:exec', description: string, start: (ctx: LaunchContext, cb: ExecCallback) => void): Launcher {
  return {
    id,
    description,
    kind: 'node',
    canPassFds: false,
    unavailable: available,
    run(ctx) {
      return new Promise<LaunchOutcome>((res, rej) => {
        start(ctx, (error, stdout, stderr) => {
          const text = `${stdout}${stderr}`.slice(-2000);
          if (!error) return res({ code: 0, signal: null, closeStrategy: null, stderr: text });
          if (error.killed && error.signal === 'SIGKILL') return rej(new LauncherTimeoutError(id, ctx.timeoutMs, 'the child was killed'));
          if (typeof error.code === 'number' || error.signal) {
            return res({ code: typeof error.code === 'number' ? error.code : null, signal: error.signal ?? null, closeStrategy: null, stderr: text });
          }
          rej(error);
        });
      });
    },
  };
}

const nodeExecFile = callbackLauncher(
  'node:execFile',
  'child_process.execFile: spawn with stdout/stderr pipes; cannot pass fds',
  (ctx, cb) => {
    const [file, args] = splitProbe(ctx);
    execFile(file, args, { timeout: ctx.timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (e, out, err) => cb(e, out, err));
  },
);

const nodeExec = callbackLauncher(
  'node:exec',
  'child_process.exec: /bin/sh -c with the probe command line; cannot pass fds',
  (ctx, cb) => {
    exec(ctx.probeArgv.map(shellQuote).join(' '), { timeout: ctx.timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (e, out, err) => cb(e, out, err));
  },
);

export const nodeLaunchers: readonly Launcher[] = [nodeSpawn, nodeSpawnSync, nodeExecFile, nodeExec];

/**
 * Running the native tracer (native/trace, `fdaudit-trace`) and following its record stream.
 *
 * The tracer is started by the sealed launcher with fds 0-2, a pipe for its records and the fds to pass;
 * COMMAND is started by the tracer, sealed again, so nothing of this process reaches it but what was asked
 * for. Records arrive as JSON lines and are handed on one at a time as they are read: nothing here holds
 * them. The tracer dies with this process (--parent), and its tracees with it (PTRACE_O_EXITKILL).
 */
import { accessSync, constants as fsc, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { KERNEL_WRAPPER_EXIT, wrapArgv } from '../kernels/wrapper.ts';
import type { KernelId } from '../kernels/types.ts';
import { launch } from '../launch/index.ts';
import { LaunchError } from '../launch/error.ts';
import { resolveExecutable } from '../launch/resolve.ts';
import { close, pipe } from '../native/fdops.ts';
import { nativePath } from '../native/paths.ts';
import { signalName } from '../native/signals.ts';
import type { ProbeFd } from '../probe/types.ts';
import type { ExecRecord, ExecVia, TracerStats } from './types.ts';

/** An exec as the tracer reports it, before the policy has looked at it. */
export type RawExec = Omit<ExecRecord, 'violations' | 'allowed'>;

export interface TracerOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Fds of this process passed to COMMAND at their own number. */
  pass?: readonly number[];
  /** The fd COMMAND gets as its standard output (default 1). */
  stdout?: number;
  /** Run the tracer (and so the whole tree) under a kernel personality. */
  kernel?: KernelId;
  /** Called with the tracer's pid once it runs (to kill it in a test, say). */
  onStart?: (info: { tracerPid: number; commandPid: number }) => void;
}

export interface TracerOutcome {
  code: number | null;
  signal: string | null;
  stats: TracerStats | null;
}

/** ptrace was refused, or COMMAND could not be started: the message names the cause and the fix (exit 2). */
export class TraceRefused extends Error {
  override name = 'TraceRefused';
  constructor(
    message: string,
    readonly kind: 'refused' | 'launch' | 'proc' | 'kernel',
  ) {
    super(message);
  }
}

/** The tracer itself failed (crashed, was killed, wrote garbage). */
export class TracerFailed extends Error {
  override name = 'TracerFailed';
}

/** Exit statuses of fdaudit-trace (native/trace/main.c). */
const TRACER_EXIT = { ok: 0, failed: 1, usage: 2, refused: 3, notStarted: 4 } as const;

export function tracerPath(): string {
  return nativePath('fdaudit-trace');
}

/** A hex mask of /proc/PID/status (bit N-1 = signal N) as signal names. */
export function maskSignals(hex: string): string[] {
  if (!/^[0-9a-f]{1,16}$/.test(hex)) return [];
  const mask = BigInt(`0x${hex}`);
  const out: string[] = [];
  for (let sig = 1; sig <= 64; sig++) {
    if ((mask >> BigInt(sig - 1)) & 1n) out.push(signalName(sig));
  }
  return out;
}

type Line = Record<string, unknown>;

function toRawExec(r: Line): RawExec {
  const exec: RawExec = {
    id: r.id as number,
    pid: r.pid as number,
    ppid: r.ppid as number,
    via: r.via as ExecVia,
    parentId: (r.parentId as number) > 0 ? (r.parentId as number) : null,
    parentProgram: r.parentProgram as string,
    timeMs: r.timeMs as number,
    program: r.program as string,
    argv: r.argv as string[],
    fds: r.fds as ProbeFd[],
    rlimitNofile: (r.rlimitNofile as RawExec['rlimitNofile']) ?? null,
    signals: { blocked: maskSignals(String(r.sigBlk ?? '')), ignored: maskSignals(String(r.sigIgn ?? '')) },
  };
  if (typeof r.formerTid === 'number') exec.formerTid = r.formerTid;
  if (r.argvTruncated === true) exec.argvTruncated = true;
  return exec;
}

/**
 * Checks that COMMAND can be found before anything starts (execvp's rules, the PATH it will run with), so
 * a typo is a usage error and not a trace of nothing.
 */
export function checkCommand(command: readonly string[], env: Record<string, string | undefined> = process.env, cwd = process.cwd()): void {
  if (command.length === 0 || command[0] === '') throw new TraceRefused('no COMMAND given: fdaudit trace [options] -- COMMAND [ARG]...', 'launch');
  const file = command[0] as string;
  if (file.includes('/')) {
    let why: string | null = null;
    try {
      const st = statSync(resolvePath(cwd, file));
      if (!st.isFile()) why = 'not a file';
      else accessSync(resolvePath(cwd, file), fsc.X_OK);
    } catch (err) {
      why = (err as NodeJS.ErrnoException).code === 'EACCES' ? 'not executable' : 'no such file';
    }
    if (why !== null) throw new TraceRefused(`cannot run '${file}': ${why}`, 'launch');
    return;
  }
  try {
    resolveExecutable(file, env.PATH);
  } catch (err) {
    if (err instanceof LaunchError) {
      throw new TraceRefused(`cannot run '${file}': ${err.code === 'EACCES' ? 'found on PATH, but not executable' : 'not found on PATH'}`, 'launch');
    }
    throw err;
  }
}

/**
 * Runs COMMAND under the tracer; `onExec` gets every exec as it is read. Resolves when the tracer has
 * exited and its stream is drained. Throws TraceRefused (ptrace refused, COMMAND not started) or
 * TracerFailed.
 */
export async function runTracer(command: readonly string[], options: TracerOptions, onExec: (exec: RawExec) => void): Promise<TracerOutcome> {
  checkCommand(command, options.env ?? process.env, options.cwd ?? process.cwd());
  const pass = [...(options.pass ?? [])];
  const [readEnd, writeEnd] = pipe(true);
  let handle: ReturnType<typeof launch>;
  try {
    const args = ['--report-fd', String(writeEnd), '--parent', String(process.pid)];
    for (const fd of pass) args.push('--pass', String(fd));
    args.push('--', ...command);
    let argv = [tracerPath(), ...args];
    if (options.kernel && options.kernel !== 'host') argv = wrapArgv(options.kernel, argv);
    const [file, ...rest] = argv as [string, ...string[]];
    const launchOptions: Parameters<typeof launch>[2] = { stdio: [0, options.stdout ?? 1, 2], keep: [writeEnd, ...pass] };
    if (options.cwd !== undefined) launchOptions.cwd = options.cwd;
    if (options.env !== undefined) launchOptions.env = options.env;
    handle = launch(file, rest, launchOptions);
  } catch (err) {
    close(readEnd);
    throw err;
  } finally {
    close(writeEnd);
  }

  let error: { kind: string; message: string } | null = null;
  let stats: TracerStats | null = null;
  let status: { code: number | null; signal: string | null } | null = null;
  let badLine: string | null = null;
  let callbackError: unknown = null;

  const handleLine = (text: string): void => {
    if (text === '') return;
    let r: Line;
    try {
      r = JSON.parse(text) as Line;
    } catch {
      badLine ??= text.slice(0, 200);
      return;
    }
    switch (r.event) {
      case 'exec':
        if (callbackError === null) {
          try {
            onExec(toRawExec(r));
          } catch (err) {
            callbackError = err;
          }
        }
        break;
      case 'start':
        options.onStart?.({ tracerPid: r.tracer as number, commandPid: r.pid as number });
        break;
      case 'error':
        error = { kind: String(r.kind), message: String(r.message) };
        break;
      case 'end': {
        const s = r.status as { code: number | null; signal: string | null } | null;
        status = s;
        stats = {
          execs: r.execs as number,
          unreadable: r.unreadable as number,
          peakTasks: r.peakTasks as number,
          detached: r.detached as number,
          maxRssKiB: r.maxRssKiB as number,
          durationMs: r.durationMs as number,
        };
        break;
      }
    }
  };

  const drained = new Promise<void>((resolve, reject) => {
    const socket = new Socket({ fd: readEnd, readable: true, writable: false });
    let rest = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      rest += chunk;
      let nl = rest.indexOf('\n');
      while (nl >= 0) {
        handleLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
        nl = rest.indexOf('\n');
      }
    });
    socket.on('end', () => {
      handleLine(rest);
      resolve();
    });
    socket.on('error', reject);
  });
  const [exit] = await Promise.all([handle.exited, drained]);
  if (callbackError !== null) throw callbackError;

  const e = error as { kind: string; message: string } | null;
  if (exit.code === TRACER_EXIT.refused || exit.code === TRACER_EXIT.notStarted || (e && e.kind === 'proc')) {
    throw new TraceRefused(e?.message ?? `the tracer exited with status ${exit.code} without saying why`, (e?.kind ?? 'refused') as TraceRefused['kind']);
  }
  if (options.kernel && exit.code === KERNEL_WRAPPER_EXIT.unavailable && stats === null) {
    throw new TraceRefused(`kernel personality ${options.kernel} is unavailable here`, 'kernel');
  }
  if (exit.code !== TRACER_EXIT.ok || status === null) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
    const detail = e ? `: ${e.message}` : badLine !== null ? `; unreadable record: ${badLine}` : '';
    throw new TracerFailed(`the tracer ${how} before the trace was complete${detail}`);
  }
  const st = status as { code: number | null; signal: string | null };
  return { code: st.code, signal: st.signal, stats };
}

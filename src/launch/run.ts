/** Validate, resolve, start, wait: shared by the sealed launcher and the variants. */
import { signalName } from '../native/signals.ts';
import type { SpawnOutcome } from './binding.ts';
import { binding } from './binding.ts';
import { LaunchError } from './error.ts';
import { resolveExecutable } from './resolve.ts';
import { CLOSE_STRATEGIES } from './types.ts';
import type { CloseStrategy, ExitStatus, LaunchHandle, LaunchStep, LaunchSyncResult } from './types.ts';
import { validate } from './validate.ts';

function strategyOf(name: string): CloseStrategy | null {
  return (CLOSE_STRATEGIES as readonly string[]).includes(name) ? (name as CloseStrategy) : null;
}

function exitStatus(code: number | null, signal: number): ExitStatus {
  return { code, signal: signal ? signalName(signal) : null };
}

/**
 * Validate, resolve, start. Throws TypeError/RangeError before anything starts, LaunchError after.
 * `pidfd`: ask the core for a pidfd of the child along with its pid (launch() watches through it).
 */
function start(variant: string | null, file: unknown, args: unknown, options: unknown, pidfd: boolean): SpawnOutcome {
  const v = validate(file, args, options, variant);
  v.request.file = resolveExecutable(v.file, v.searchPath);
  v.request.pidfd = pidfd;
  const out = binding().spawn(v.request);
  // A child that failed or died before execve has been reaped by the native side already; no pidfd is left.
  if (out.err !== 0 || out.signal !== 0) {
    throw new LaunchError(out.err, out.step as LaunchStep, v.file, out.signal ? signalName(out.signal) : null);
  }
  return out;
}

export function runSync(variant: string | null, file: unknown, args: unknown, options: unknown): LaunchSyncResult {
  const out = start(variant, file, args, options, false);
  const st = binding().waitpid(out.pid);
  return { pid: out.pid, ...exitStatus(st.code, st.signal), closeStrategy: strategyOf(out.strategy) };
}

export function runAsync(variant: string | null, file: unknown, args: unknown, options: unknown): LaunchHandle {
  const out = start(variant, file, args, options, true);
  const exited = new Promise<ExitStatus>((resolve) => {
    binding().watch(out.pid, (code, signal) => resolve(exitStatus(code, signal)), false, out.pidfd);
  });
  return { pid: out.pid, closeStrategy: strategyOf(out.strategy), exited };
}


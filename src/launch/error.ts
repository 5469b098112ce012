/** The error a launch that failed before or at execve throws. */
import { constants } from 'node:os';
import { binding } from './binding.ts';
import type { LaunchStep } from './types.ts';

const names = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) if (!names.has(num)) names.set(num, name);

/** 'ENOENT' for 2, 'ENOEXEC' for 8, ... ('E<n>' for a number Node does not know). */
export function errnoName(errno: number): string {
  return names.get(errno) ?? `E${errno}`;
}

function errnoMessage(errno: number): string {
  try {
    return binding().strerror(errno);
  } catch {
    return `error ${errno}`;
  }
}

/** `code` of a LaunchError for a child killed by a signal before execve (errno 0: no call failed). */
export const KILLED_BEFORE_EXEC = 'ESIGNAL';

/**
 * A launch failed: `syscall` names the step (in the child, or the parent's
 * PATH lookup, which reports as `'execve'` like execvp does), `code` the
 * errno name, `errno` its (positive) Linux number, `path` the file as given.
 * A child killed before execve (a seccomp kill, the OOM killer, a signal
 * sent to it) has `signal` set to the signal's name, `syscall` the step it
 * was in, `code` 'ESIGNAL' and `errno` 0; otherwise `signal` is null. The
 * child, if one was created, has already been reaped.
 */
export class LaunchError extends Error {
  override name = 'LaunchError';
  readonly code: string;
  readonly errno: number;
  readonly syscall: LaunchStep;
  readonly path: string;
  readonly signal: string | null;

  constructor(errno: number, syscall: LaunchStep, path: string, signal: string | null = null) {
    const code = signal !== null && errno === 0 ? KILLED_BEFORE_EXEC : errnoName(errno);
    const what = signal !== null && errno === 0
      ? `killed by ${signal} during ${syscall}, before execve`
      : `${syscall} failed: ${code} (${errnoMessage(errno)})`;
    super(`launch ${JSON.stringify(path)}: ${what}`);
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    this.path = path;
    this.signal = signal;
  }
}

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

/**
 * A launch failed: `syscall` names the step (in the child, or the parent's
 * PATH lookup, which reports as `'execve'` like execvp does), `code` the
 * errno name, `errno` its (positive) Linux number, `path` the file as given.
 * The child, if one was created, has already been reaped.
 */
export class LaunchError extends Error {
  override name = 'LaunchError';
  readonly code: string;
  readonly errno: number;
  readonly syscall: LaunchStep;
  readonly path: string;

  constructor(errno: number, syscall: LaunchStep, path: string) {
    const code = errnoName(errno);
    super(`launch ${JSON.stringify(path)}: ${syscall} failed: ${code} (${errnoMessage(errno)})`);
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    this.path = path;
  }
}

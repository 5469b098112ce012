/** Shared plumbing for launchers: timeouts that kill a process group, captured output, PATH lookup. */
import { accessSync, constants as fsc, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { ExitStatus } from '../launch/types.ts';

/** A launcher that did not finish in time; its process group has been killed. */
export class LauncherTimeoutError extends Error {
  constructor(readonly launcher: string, readonly timeoutMs: number, detail = 'its process group was killed') {
    super(`${launcher} did not finish within ${timeoutMs} ms; ${detail}`);
    this.name = 'LauncherTimeoutError';
  }
}

/** SIGKILL to a process group and to its leader; ESRCH (already gone) is not an error. */
export function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/**
 * Waits for `exited`; after `timeoutMs` calls `kill` and waits for the exit the kill causes (so the child
 * is reaped, never left behind), then throws LauncherTimeoutError.
 */
export async function exitWithin(
  launcher: string,
  exited: Promise<ExitStatus>,
  timeoutMs: number,
  kill: () => void,
): Promise<ExitStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((res) => {
    timer = setTimeout(() => res('timeout'), timeoutMs);
  });
  try {
    const first = await Promise.race([exited, timedOut]);
    if (first !== 'timeout') return first;
  } finally {
    clearTimeout(timer);
  }
  kill();
  // The kill is SIGKILL: the exit follows at once; the grace bound only guards against a lost child.
  let grace: NodeJS.Timeout | undefined;
  const reaped = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((res) => {
      grace = setTimeout(() => res(false), 5000);
    }),
  ]);
  clearTimeout(grace);
  throw new LauncherTimeoutError(launcher, timeoutMs, reaped ? 'its process group was killed' : 'it was killed but did not exit');
}

/** The last `max` characters of a file, '' when it does not exist. */
export function readTail(path: string, max = 2000): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '';
  }
  return text.length > max ? `…${text.slice(-max)}` : text;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** execvp-style lookup: a name with a slash is a path (relative to cwd); otherwise search PATH. */
export function findProgram(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (name.includes('/')) {
    const p = isAbsolute(name) ? name : resolve(name);
    return isExecutableFile(p) ? p : null;
  }
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExecutableFile(p)) return p;
  }
  return null;
}

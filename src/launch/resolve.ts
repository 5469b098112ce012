/**
 * PATH lookup in the parent, with execvp's rules, so the child only ever
 * calls execve once (and a name that is nowhere fails before any child
 * exists). A file containing a slash is used as given. Otherwise each PATH
 * entry is tried in order (an empty entry is the current directory); a
 * candidate that does not exist is skipped (ENOENT, ENOTDIR), one that exists
 * but could not be executed (EACCES: a directory, no execute permission, a
 * directory on the way that cannot be searched) is remembered and the search
 * goes on; if nothing executable was found the error is EACCES when some
 * candidate gave it, else ENOENT. Errors name the step 'execve', as execvp's do.
 *
 * Unlike execvp, a file that execve refuses with ENOEXEC (a script without
 * "#!") is not handed to /bin/sh: the launch fails with ENOEXEC, as
 * posix_spawnp does. Running an arbitrary file through a shell nobody asked
 * for is not something a sealed launcher should do silently.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { LaunchError } from './error.ts';

/** glibc's default search path when PATH is unset (_PATH_DEFPATH). */
export const DEFAULT_PATH = '/usr/bin:/bin';

const SKIP = new Set(['ENOENT', 'ENOTDIR', 'ESTALE', 'ENODEV', 'ETIMEDOUT']);

export function resolveExecutable(file: string, searchPath: string | undefined): string {
  if (file.includes('/')) return file;
  let sawEacces = false;
  for (const dir of (searchPath ?? DEFAULT_PATH).split(':')) {
    const candidate = `${dir === '' ? '.' : dir}/${file}`;
    try {
      const st = statSync(candidate);
      if (!st.isFile()) {
        sawEacces = true;
        continue;
      }
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (code === 'EACCES' || code === 'EPERM') sawEacces = true;
      else if (!SKIP.has(code)) return candidate; // let execve report what it is (EIO, ...)
    }
  }
  throw new LaunchError(sawEacces ? 13 : 2, 'execve', file);
}

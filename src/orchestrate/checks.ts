/**
 * Command-line checks every planned command shares (run, trace): the report directory and the reporter
 * names, each problem a UsageError that names the bad value before anything starts.
 */
import { accessSync, constants as fsc, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './errors.ts';

/**
 * The reporters asked for (each checked against `valid`, duplicates dropped), or `defaults` when none
 * was named; `github` joins the defaults when the run is a GitHub Actions step.
 */
export function checkReporterNames<R extends string>(
  values: readonly string[] | undefined,
  valid: readonly R[],
  defaults: readonly R[],
  env: NodeJS.ProcessEnv,
): R[] {
  if (!values || values.length === 0) {
    const github = (valid as readonly string[]).includes('github') && env.GITHUB_ACTIONS === 'true';
    return github ? [...defaults, 'github' as R] : [...defaults];
  }
  for (const v of values) {
    if (!(valid as readonly string[]).includes(v)) throw new UsageError(`unknown reporter '${v}'; valid: ${valid.join(', ')}`);
  }
  return [...new Set(values)] as R[];
}

/** Creates the report directory if needed and proves it writable, so a bad --out fails before the run. */
export function checkOut(out: string, cwd: string): string {
  if (out === '') throw new UsageError('--out needs a directory');
  const dir = resolve(cwd, out);
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, fsc.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`--out ${out}: cannot write reports there (${code})`);
  }
  return dir;
}

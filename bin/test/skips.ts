/**
 * The skips a strict run (`npm test -- --strict`, what .ci/run runs) accepts: suites/skips.json lists
 * each one by file and exact test title, with the reason it is expected on the CI machine. Any other
 * skip fails a strict run, so a test that silently stops running cannot go unnoticed.
 */
import { readFileSync } from 'node:fs';

export const SKIPS_FILE = 'suites/skips.json';

export interface AllowedSkip {
  file: string;
  test: string;
  reason: string;
}

export interface SkipRecord {
  file: string;
  test: string;
  reason: string;
}

/** Reads and checks the allowlist; a malformed file is an error naming what is wrong. */
export function readAllowedSkips(path: string): AllowedSkip[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const list = (data as { skips?: unknown } | null)?.skips;
  if (!Array.isArray(list)) throw new Error(`${path}: expected { "skips": [ { "file", "test", "reason" } ] }`);
  return list.map((e: unknown, i) => {
    const o = e as Partial<AllowedSkip> | null;
    for (const k of ['file', 'test', 'reason'] as const) {
      if (typeof o?.[k] !== 'string' || o[k] === '') throw new Error(`${path}: entry ${i} needs a non-empty "${k}"`);
    }
    return o as AllowedSkip;
  });
}

const same = (a: { file: string; test: string }, b: { file: string; test: string }): boolean => a.file === b.file && a.test === b.test;

/** The skips of a run that the allowlist does not name, and the entries that matched no skip of the run. */
export function checkSkips(skips: readonly SkipRecord[], allowed: readonly AllowedSkip[]): { unlisted: SkipRecord[]; unused: AllowedSkip[] } {
  return {
    unlisted: skips.filter((s) => !allowed.some((a) => same(a, s))),
    unused: allowed.filter((a) => !skips.some((s) => same(a, s))),
  };
}

/**
 * Golden files for the reporters. A test compares its output with suites/unit/report/golden/NAME;
 * with FDAUDIT_UPDATE_GOLDEN=1 it writes the output there instead (then review the diff):
 *
 *   FDAUDIT_UPDATE_GOLDEN=1 node --import tsx bin/test.ts \
 *     --files report-table --files report-junit --files report-summary --files report-json
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = fileURLToPath(new URL('.', import.meta.url));
export const UPDATING = process.env.FDAUDIT_UPDATE_GOLDEN === '1';

export interface GoldenCheck {
  ok: boolean;
  /** Why not: the golden file is missing, or the first line that differs with both versions. */
  problem: string | null;
}

/** Compares `actual` with the golden text, naming the first differing line. */
export function compareGolden(name: string, expected: string | null, actual: string): GoldenCheck {
  if (expected === null) {
    return { ok: false, problem: `golden file ${name} is missing; run with FDAUDIT_UPDATE_GOLDEN=1 to create it` };
  }
  if (expected === actual) return { ok: true, problem: null };
  const a = actual.split('\n');
  const e = expected.split('\n');
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  return {
    ok: false,
    problem:
      `${name} differs at line ${i + 1}:\n  expected: ${JSON.stringify(e[i] ?? '<end of file>')}\n` +
      `  actual:   ${JSON.stringify(a[i] ?? '<end of file>')}\n` +
      'if the change is intended, regenerate with FDAUDIT_UPDATE_GOLDEN=1 and review the diff',
  };
}

export function readGolden(name: string): string | null {
  const path = `${GOLDEN_DIR}${name}`;
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** Checks `actual` against the golden file `name`, or rewrites the file when updating. */
export function checkGolden(name: string, actual: string): GoldenCheck {
  if (UPDATING) {
    writeFileSync(`${GOLDEN_DIR}${name}`, actual);
    return { ok: true, problem: null };
  }
  return compareGolden(name, readGolden(name), actual);
}

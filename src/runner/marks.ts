/**
 * What a test touched (launcher, kernel, bait) and whether it turned out to have nothing to judge,
 * noted on the running japa test so the collector can fill its TestRecord.
 */
import { getActiveTest } from '@japa/runner';

export interface TestMark {
  launcher?: string;
  kernel?: string;
  bait?: string;
  /** Set when every assertion of the test met a result that could not be judged here (skipped launcher). */
  skipped?: string;
}

const META_KEY = 'fdaudit';

/** Merges `mark` into the running test's note; outside a test it does nothing. */
export function markTest(mark: TestMark): void {
  const t = getActiveTest();
  if (!t) return;
  const meta = t.options.meta as Record<string, unknown>;
  const prev = (meta[META_KEY] ?? {}) as TestMark;
  const next: TestMark = { ...prev };
  // The first launcher and bait a test touches name it; later ones do not rename it.
  if (mark.launcher !== undefined) next.launcher ??= mark.launcher;
  if (mark.kernel !== undefined) next.kernel ??= mark.kernel;
  if (mark.bait !== undefined) next.bait ??= mark.bait;
  if (mark.skipped !== undefined) next.skipped ??= mark.skipped;
  meta[META_KEY] = next;
}

/** The note of a finished test (read from its meta by the collector). */
export function readMark(meta: Record<string, unknown> | undefined): TestMark {
  const m = meta?.[META_KEY];
  return m && typeof m === 'object' ? (m as TestMark) : {};
}

/** Clears the note: dataset rows share one test object, and each row starts clean. */
export function clearMark(meta: Record<string, unknown>): void {
  delete meta[META_KEY];
}

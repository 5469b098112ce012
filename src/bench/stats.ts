/** Order statistics for round-trip samples. */

/** The q-quantile (0..1) by linear interpolation between closest ranks; null for no samples. */
export function quantile(samples: readonly number[], q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within 0..1, got ${q}`);
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export interface Summary {
  n: number;
  median_us: number | null;
  p95_us: number | null;
  min_us: number | null;
}

const round3 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    median_us: round3(quantile(samples, 0.5)),
    p95_us: round3(quantile(samples, 0.95)),
    min_us: round3(samples.length ? Math.min(...samples) : null),
  };
}

/** a / b rounded to 3 places; null when either is missing or b is 0. */
export function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  return Math.round((a / b) * 1000) / 1000;
}

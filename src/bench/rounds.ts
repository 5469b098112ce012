/**
 * The interleaved round loop: every round runs each contender once, in an order rotated by one place per
 * round, so a burst of machine noise lands on all of them alike instead of on whichever ran at that moment.
 */

export interface Contender {
  /** Launcher id of the row (`floor`, `native`, `node:spawnSync`, …). */
  launcher: string;
  /** What distinguishes this contender's row besides the scenario level (strategy, kernel, …). */
  params?: Record<string, string | number | boolean | null>;
  /** One round trip; returns its duration in microseconds (measured where the launch happens). */
  round(): Promise<number> | number;
}

export interface ContenderResult {
  contender: Contender;
  samples: number[];
  /** Set when a round failed; the contender then sat out the remaining rounds. */
  error?: string;
}

export interface RoundPlan {
  rounds: number;
  warmup: number;
  /** Called after each timed round (progress display). */
  onRound?: (done: number, total: number) => void;
}

export function checkPlan(plan: RoundPlan): void {
  if (!Number.isInteger(plan.rounds) || plan.rounds < 1) throw new RangeError(`rounds must be a positive integer, got ${plan.rounds}`);
  if (!Number.isInteger(plan.warmup) || plan.warmup < 0) throw new RangeError(`warmup must be a non-negative integer, got ${plan.warmup}`);
}

export async function runInterleaved(contenders: readonly Contender[], plan: RoundPlan): Promise<ContenderResult[]> {
  checkPlan(plan);
  const results: ContenderResult[] = contenders.map((contender) => ({ contender, samples: [] }));
  const total = plan.warmup + plan.rounds;
  for (let r = 0; r < total; r++) {
    const timed = r >= plan.warmup;
    for (let k = 0; k < results.length; k++) {
      const res = results[(r + k) % results.length] as ContenderResult;
      if (res.error !== undefined) continue;
      try {
        const us = await res.contender.round();
        if (!Number.isFinite(us) || us < 0) throw new Error(`measured an impossible duration (${us} µs)`);
        if (timed) res.samples.push(us);
      } catch (err) {
        res.error = err instanceof Error ? err.message : String(err);
      }
    }
    if (timed) plan.onRound?.(r - plan.warmup + 1, plan.rounds);
  }
  return results;
}

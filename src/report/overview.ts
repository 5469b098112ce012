/** Launcher × (host, kernel) verdicts, shown after the per-kernel tables of a multi-kernel run. */
import type { AuditResult } from '../audit/types.ts';
import type { Verdict } from './cells.ts';
import { pivot } from './pivot.ts';

export interface Overview {
  /** Column headers: the kernel, or "HOST · KERNEL" when the results come from several hosts. */
  kernels: string[];
  /** One row per launcher: its verdict in each column (null where it did not run). */
  rows: { launcher: string; cells: (Verdict | null)[] }[];
}

/** Launcher × column verdicts; when a launcher has several results in one column the worst wins. */
export function overviewRows(results: readonly AuditResult[]): Overview {
  const p = pivot(results);
  return {
    kernels: p.columns.map((c) => c.label),
    rows: p.rows.map((r) => ({ launcher: r.launcher, cells: r.cells.map((c) => c?.verdict ?? null) })),
  };
}

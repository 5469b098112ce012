/** Launcher × kernel verdicts, shown after the per-kernel tables of a multi-kernel run. */
import type { AuditResult } from '../audit/types.ts';
import { verdict, type Verdict, type VerdictWord } from './cells.ts';
import { orderKernels, orderLaunchers } from './order.ts';

export interface Overview {
  kernels: string[];
  /** One row per launcher: its verdict under each kernel (null where it did not run). */
  rows: { launcher: string; cells: (Verdict | null)[] }[];
}

/** Launcher × kernel verdicts; when a launcher has several results under one kernel the worst wins. */
export function overviewRows(results: readonly AuditResult[]): Overview {
  const kernels = orderKernels(results.map((r) => r.kernel));
  const rank: Record<VerdictWord, number> = { SEALED: 0, SKIPPED: 1, LEAK: 2, ERROR: 3 };
  const rows = orderLaunchers(results.map((r) => r.launcher)).map((launcher) => ({
    launcher,
    cells: kernels.map((kernel) =>
      results
        .filter((r) => r.launcher === launcher && r.kernel === kernel)
        .map(verdict)
        .reduce<Verdict | null>((worst, v) => (worst && rank[worst.word] >= rank[v.word] ? worst : v), null),
    ),
  }));
  return { kernels, rows };
}


/**
 * The pivot at the top of summary.md and index.html: launchers as rows, (host, kernel) as columns, the
 * verdict in each cell with the anchor of the result behind it.
 */
import type { AuditResult } from '../audit/types.ts';
import { verdict, type Verdict, type VerdictWord } from './cells.ts';
import { columnsOf, hostsOf, inColumn, resultAnchors, type Column } from './columns.ts';
import { orderLaunchers, sortResults } from './order.ts';

export interface PivotCell {
  verdict: Verdict;
  status: AuditResult['status'];
  /** Anchor of the result shown (the worst, when the launcher has several in the column). */
  anchor: string;
  /** How many results the launcher has in the column (usually 1). */
  results: number;
}

export interface Pivot {
  /** Host names the results carry (empty for a single run's report). */
  hosts: string[];
  columns: Column[];
  rows: { launcher: string; cells: (PivotCell | null)[] }[];
}

/** Worse verdicts outrank better ones when a cell holds several results. */
export const VERDICT_RANK: Readonly<Record<VerdictWord, number>> = { SEALED: 0, SKIPPED: 1, LEAK: 2, ERROR: 3 };

export function pivot(results: readonly AuditResult[]): Pivot {
  const sorted = sortResults(results);
  const anchors = resultAnchors(sorted);
  const columns = columnsOf(sorted);
  const rows = orderLaunchers(sorted.map((r) => r.launcher)).map((launcher) => ({
    launcher,
    cells: columns.map((column): PivotCell | null => {
      const here = sorted.filter((r) => r.launcher === launcher && inColumn(r, column));
      let worst: { r: AuditResult; v: Verdict } | null = null;
      for (const r of here) {
        const v = verdict(r);
        if (!worst || VERDICT_RANK[v.word] > VERDICT_RANK[worst.v.word]) worst = { r, v };
      }
      if (!worst) return null;
      return { verdict: worst.v, status: worst.r.status, anchor: anchors.get(worst.r) ?? '', results: here.length };
    }),
  }));
  return { hosts: hostsOf(sorted), columns, rows };
}

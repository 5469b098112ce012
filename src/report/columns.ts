/**
 * The columns of a report: one per (host, kernel personality). A run's results carry no host (they all
 * come from the report's `host`); a merged report's results name theirs, and two hosts stay two columns
 * even under the same personality. Also the anchors the pivot links to.
 */
import type { AuditResult } from '../audit/types.ts';
import { oneLine } from './cells.ts';
import { orderKernels, sortResults } from './order.ts';

export interface Column {
  /** The results' host name; null for the results of a single run, which name none. */
  host: string | null;
  kernel: string;
  /** What a header shows: the kernel alone when the report has one host, else "HOST · KERNEL". */
  label: string;
  /** Anchor of the column's detail section (summary.md) — unique in a document. */
  anchor: string;
}

/** The host a result comes from; null when it names none (a single run's report). */
export function resultHost(result: AuditResult): string | null {
  return typeof result.host === 'string' ? result.host : null;
}

/** Host names the results carry, in the order first seen. */
export function hostsOf(results: readonly AuditResult[]): string[] {
  const seen = new Set<string>();
  for (const r of results) {
    const h = resultHost(r);
    if (h !== null) seen.add(h);
  }
  return [...seen];
}

/** True when the results come from more than one host, so headers must name the host. */
export function severalHosts(results: readonly AuditResult[]): boolean {
  return hostsOf(results).length > 1;
}

/** Label of a (host, kernel) column: the host is named only when the report has several. */
export function columnLabel(host: string | null, kernel: string, withHost: boolean): string {
  return withHost && host !== null ? `${oneLine(host)} · ${oneLine(kernel)}` : oneLine(kernel);
}

/**
 * Columns in display order: hosts in the order first seen (a merge keeps its inputs' order), then each
 * host's kernels in personality order (host first).
 */
export function columnsOf(results: readonly AuditResult[]): Column[] {
  const withHost = severalHosts(results);
  const hosts: (string | null)[] = [];
  for (const r of results) if (!hosts.includes(resultHost(r))) hosts.push(resultHost(r));
  return hosts.flatMap((host) =>
    orderKernels(results.filter((r) => resultHost(r) === host).map((r) => r.kernel)).map((kernel) => ({
      host,
      kernel,
      label: columnLabel(host, kernel, withHost),
      anchor: anchorId('k', host, kernel),
    })),
  );
}

/** Whether a result belongs in a column. */
export function inColumn(result: AuditResult, column: Pick<Column, 'host' | 'kernel'>): boolean {
  return resultHost(result) === column.host && result.kernel === column.kernel;
}

/**
 * A fragment id made of parts: letters, digits and '.', ':', '_', '-' stay, every other character becomes
 * '~' and its UTF-8 bytes in hex, and parts are joined with '/' — so different parts never give the
 * same id, and the id needs no escaping in HTML, in a URL or in Markdown.
 */
export function anchorId(prefix: string, ...parts: (string | null)[]): string {
  const encode = (part: string): string =>
    part.replace(/[^A-Za-z0-9.:_-]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `~${b.toString(16).padStart(2, '0')}`).join(''));
  return [prefix, ...parts.filter((p): p is string => p !== null).map(encode)].join('/');
}

/** Anchor of one result's detail; `nth` (1-based) tells apart several results of one launcher in a column. */
export function resultAnchor(result: AuditResult, nth = 1): string {
  const id = anchorId('r', resultHost(result), result.kernel, result.launcher);
  return nth > 1 ? `${id}/${nth}` : id;
}

/**
 * The anchor of every result: the first of a (host, kernel, launcher) gets the plain id, later ones a
 * counter, so ids stay unique even when a launcher has several results under one kernel.
 */
export function resultAnchors(results: readonly AuditResult[]): Map<AuditResult, string> {
  const counts = new Map<string, number>();
  const out = new Map<AuditResult, string>();
  for (const r of results) {
    const base = resultAnchor(r);
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    out.set(r, resultAnchor(r, n));
  }
  return out;
}

/** Results grouped per (host, kernel) column, columns and rows in display order. */
export function groupByColumn(results: readonly AuditResult[]): { column: Column; results: AuditResult[] }[] {
  const sorted = sortResults(results);
  return columnsOf(sorted).map((column) => ({ column, results: sorted.filter((r) => inColumn(r, column)) }));
}

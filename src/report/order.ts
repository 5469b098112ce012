/**
 * The order rows and tables appear in: the `node:spawn` baseline first, then the other
 * Node launchers, the native ones, the other built-ins (fork, posix_spawn, library adapters),
 * the mutants, and finally the external launchers (`ext:*`: the built-in ones first, then
 * user launchers in the order they were given). Kernels follow KERNEL_IDS (host first).
 */
import type { AuditResult } from '../audit/types.ts';
import { BAIT_KINDS, type BaitKind } from '../bait/types.ts';
import { KERNEL_IDS } from '../kernels/types.ts';

const GROUPS: readonly (readonly string[])[] = [
  ['node:spawn'],
  ['node:spawnSync', 'node:execFile', 'node:exec'],
  ['native', 'native:leak'],
  ['fork', 'posix_spawn'],
  ['mutant:naive-dup', 'mutant:fd-setsize-fallback', 'mutant:no-rlimit-reset', 'mutant:no-signal-reset'],
  ['ext:python-subprocess', 'ext:sh'],
];

/** Which block of the table a launcher belongs to (0 = baseline … 5 = external launchers). */
export function launcherGroup(id: string): number {
  const known = GROUPS.findIndex((g) => g.includes(id));
  if (known >= 0) return known;
  if (id.startsWith('node:')) return 1;
  if (id === 'native' || id.startsWith('native:')) return 2;
  if (id.startsWith('mutant:')) return 4;
  if (id.startsWith('ext:')) return 5;
  return 3;
}

function knownIndex(id: string): number {
  for (const g of GROUPS) {
    const i = g.indexOf(id);
    if (i >= 0) return i;
  }
  return Number.MAX_SAFE_INTEGER;
}

/** Launcher ids in display order; ids the project does not know keep their first-seen order. */
export function orderLaunchers(ids: Iterable<string>): string[] {
  const seen = new Map<string, number>();
  for (const id of ids) if (!seen.has(id)) seen.set(id, seen.size);
  return [...seen.keys()].sort(
    (a, b) =>
      launcherGroup(a) - launcherGroup(b) ||
      knownIndex(a) - knownIndex(b) ||
      (seen.get(a) ?? 0) - (seen.get(b) ?? 0),
  );
}

/** Kernel ids in KERNEL_IDS order, unknown ones after in first-seen order. */
export function orderKernels(ids: Iterable<string>): string[] {
  const seen = new Map<string, number>();
  for (const id of ids) if (!seen.has(id)) seen.set(id, seen.size);
  const rank = (k: string): number => {
    const i = (KERNEL_IDS as readonly string[]).indexOf(k);
    return i >= 0 ? i : KERNEL_IDS.length + (seen.get(k) ?? 0);
  };
  return [...seen.keys()].sort((a, b) => rank(a) - rank(b));
}

/**
 * Results sorted by host (a merged report's hosts in the order first seen), then kernel, then
 * launcher; stable for equal keys.
 */
export function sortResults(results: readonly AuditResult[]): AuditResult[] {
  const hosts: (string | undefined)[] = [];
  for (const r of results) if (!hosts.includes(r.host)) hosts.push(r.host);
  const kernels = orderKernels(results.map((r) => r.kernel));
  const launchers = orderLaunchers(results.map((r) => r.launcher));
  return results
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        hosts.indexOf(a.r.host) - hosts.indexOf(b.r.host) ||
        kernels.indexOf(a.r.kernel) - kernels.indexOf(b.r.kernel) ||
        launchers.indexOf(a.r.launcher) - launchers.indexOf(b.r.launcher) ||
        a.i - b.i,
    )
    .map((x) => x.r);
}

/** Results grouped per kernel, kernels and rows in display order. */
export function groupByKernel(results: readonly AuditResult[]): { kernel: string; results: AuditResult[] }[] {
  const sorted = sortResults(results);
  return orderKernels(sorted.map((r) => r.kernel)).map((kernel) => ({
    kernel,
    results: sorted.filter((r) => r.kernel === kernel),
  }));
}

/**
 * Bait kinds that occur in any result, in BAIT_KINDS order (kinds the project does not
 * know come last), so every table of a run has the same columns.
 */
export function baitKindsPresent(results: readonly AuditResult[]): string[] {
  const present = new Set<string>();
  for (const r of results) for (const b of r.baits) present.add(b.kind);
  const known = (BAIT_KINDS as readonly string[]).filter((k) => present.has(k));
  const unknown = [...present].filter((k) => !(BAIT_KINDS as readonly string[]).includes(k as BaitKind));
  return [...known, ...unknown];
}

/** Shared by the audit specs: results by launcher, and bait lookups with messages that name both. */
import type { AuditResult, BaitVerdict } from '../../src/audit/types.ts';
import { BAIT_KINDS, type BaitKind } from '../../src/bait/types.ts';

export const ALL_KINDS: readonly BaitKind[] = BAIT_KINDS;

export function byLauncher(results: readonly AuditResult[]): Map<string, AuditResult> {
  return new Map(results.map((r) => [r.launcher, r]));
}

export function must(results: Map<string, AuditResult>, id: string): AuditResult {
  const r = results.get(id);
  if (!r) throw new Error(`no result for ${id}`);
  return r;
}

export function baitOf(r: AuditResult, kind: string): BaitVerdict {
  const b = r.baits.find((x) => x.kind === kind);
  if (!b) throw new Error(`${r.launcher}: no verdict for bait ${kind} (status ${r.status}${r.error ? `: ${r.error}` : ''})`);
  return b;
}

/** The kinds that crossed into the child. */
export function crossedKinds(r: AuditResult): string[] {
  return r.baits.filter((b) => b.crossed).map((b) => b.kind);
}

export function describeResult(r: AuditResult): string {
  if (r.status === 'error' || r.status === 'skipped') return `${r.launcher}: ${r.status}: ${r.error}`;
  return `${r.launcher}: ${r.status}; crossed [${crossedKinds(r).join(', ')}]; extra [${r.extraFds.map((e) => `${e.fd} ${e.target}`).join(', ')}]; soft ${r.rlimitNofile?.soft}; blocked [${r.signals?.blocked.join(',')}]; ignored [${r.signals?.ignored.join(',')}]`;
}

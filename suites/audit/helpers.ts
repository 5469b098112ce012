/** Shared by the audit specs: results by launcher, and bait lookups with messages that name both. */
import type { Assert } from '@japa/assert';
import type { AuditResult, BaitVerdict } from '../../src/audit/types.ts';
import { BAIT_KINDS, type BaitKind } from '../../src/bait/types.ts';
import { getPersonality, isKernelId } from '../../src/kernels/personalities.ts';

export const ALL_KINDS: readonly BaitKind[] = BAIT_KINDS;

/**
 * The bait kinds a kernel personality refuses to open, with the reason the bait set gives: pidfd_open
 * fails with ENOSYS where the kernel predates pidfds (linux-5.2). Such a bait is skipped in every row.
 */
export function refusedBaits(kernel: string): ReadonlyMap<BaitKind, RegExp> {
  const traits = getPersonality(isKernelId(kernel) ? kernel : 'host').traits;
  const out = new Map<BaitKind, RegExp>();
  if (!traits.pidfd) out.set('pidfd', /^pidfd_open: ENOSYS\b/);
  return out;
}

/**
 * Where the result's personality refuses `kind`, asserts the bait was skipped for that reason (never
 * counted as sealed or leaked) and returns true; otherwise returns false and asserts nothing.
 */
export function assertRefusedHere(assert: Assert, r: AuditResult, kind: BaitKind): boolean {
  const reason = refusedBaits(r.kernel).get(kind);
  if (!reason) return false;
  assert.baitSkipped(r, kind, reason);
  return true;
}

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

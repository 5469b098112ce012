/**
 * The sealed policy, as findings on one result: no bait but `passed` crosses, no extra fds, soft
 * RLIMIT_NOFILE at most 1024, nothing blocked or ignored. Each finding names launcher, bait, fd numbers
 * and target, so it can be an assertion message as it stands.
 */
import type { AuditResult } from './types.ts';

export type FindingKind = 'error' | 'bait-leaked' | 'bait-missing' | 'extra-fd' | 'rlimit' | 'signal-blocked' | 'signal-ignored';

export interface Finding {
  kind: FindingKind;
  message: string;
  bait?: string;
  signal?: string;
}

export interface PolicyOptions {
  /** Highest acceptable soft limit in the child; default 1024 (FD_SETSIZE). */
  maxSoftLimit?: number;
  /** Whether a `passed` bait that did not cross is a finding; default true. */
  requirePassed?: boolean;
}

const where = (r: AuditResult): string => (r.kernel === 'host' ? r.launcher : `${r.launcher} [${r.kernel}]`);

export function sealedPolicyFindings(r: AuditResult, options: PolicyOptions = {}): Finding[] {
  const max = options.maxSoftLimit ?? 1024;
  const out: Finding[] = [];
  if (r.status === 'error' || r.status === 'skipped') {
    return [{ kind: 'error', message: `${where(r)} ${r.status === 'error' ? 'failed' : 'was skipped'}: ${r.error ?? 'no reason given'}` }];
  }
  for (const b of r.baits) {
    // Not opened here (the kernel or sandbox refused the kind): nothing to find, nothing proven.
    if (b.skipped) continue;
    const target = b.target ? ` (${b.target})` : '';
    if (b.crossed && b.expected === 'absent') {
      out.push({ kind: 'bait-leaked', bait: b.kind, message: `${where(r)} leaked ${b.kind} fd ${b.fd} -> child fd ${b.childFd}${target}` });
    } else if (!b.crossed && b.expected === 'present' && options.requirePassed !== false) {
      out.push({ kind: 'bait-missing', bait: b.kind, message: `${where(r)} did not pass ${b.kind} fd ${b.fd}${target} (it was to be kept)` });
    }
  }
  for (const e of r.extraFds) {
    out.push({ kind: 'extra-fd', message: `${where(r)} left child fd ${e.fd} open (${e.type} ${e.target}), not a bait` });
  }
  const soft = r.rlimitNofile?.soft;
  if (soft !== undefined && (soft === 'unlimited' || soft > max)) {
    out.push({ kind: 'rlimit', message: `${where(r)} gave the child soft RLIMIT_NOFILE ${soft} (> ${max})` });
  }
  for (const s of r.signals?.blocked ?? []) out.push({ kind: 'signal-blocked', signal: s, message: `${where(r)} left ${s} blocked in the child` });
  for (const s of r.signals?.ignored ?? []) out.push({ kind: 'signal-ignored', signal: s, message: `${where(r)} left ${s} ignored in the child` });
  return out;
}

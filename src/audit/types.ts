/** The `fdaudit/audit@1` report (DESIGN.md §5 "Audit report"). */
import type { BaitKind } from '../bait/types.ts';
import type { Limit } from '../probe/types.ts';

export type AuditStatus = 'sealed' | 'leak' | 'error' | 'skipped';

export interface BaitVerdict {
  kind: BaitKind;
  /** Fd number in the launching process; null for a skipped bait (nothing was opened). */
  fd: number | null;
  expected: 'absent' | 'present';
  crossed: boolean;
  /** Fd number in the child where it was found (matched by identity), else null. */
  childFd: number | null;
  /** readlink target in the parent, for messages. */
  target?: string;
  /**
   * The kernel or sandbox refused this kind here (pidfd_open → ENOSYS, no /dev/ptmx, …): it was not
   * opened, so nothing was tested. It counts neither as sealed nor as a leak; `reason` says why.
   */
  skipped?: true;
  reason?: string;
}

export interface ExtraFd {
  fd: number;
  target: string;
  type: string;
}

export interface AuditResult {
  launcher: string;
  kernel: string;
  status: AuditStatus;
  baits: BaitVerdict[];
  /** Child fds that are neither stdio (0-2) nor a bait: what the launcher itself leaked. */
  extraFds: ExtraFd[];
  rlimitNofile: { soft: Limit; hard: Limit } | null;
  signals: { blocked: string[]; ignored: string[] } | null;
  closeStrategy: string | null;
  error: string | null;
  /** The exposing scenario the launcher ran in (mutants), e.g. "parent stdin closed, …"; absent when none. */
  scenario?: string;
}

export interface HostFacts {
  kernel: string;
  node: string;
  libc: string;
}

export interface AuditReport {
  schema: 'fdaudit/audit@1';
  host: HostFacts;
  results: AuditResult[];
  tests: { passed: number; failed: number; skipped: number };
}

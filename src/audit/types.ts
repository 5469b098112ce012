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
  /**
   * Milliseconds from the start of the launch to the launched process reaped (for a timeout: to
   * its process group killed). 0 when nothing was launched (`skipped`, or a failure before the launch).
   */
  durationMs: number;
  /** The exposing scenario the launcher ran in (mutants), e.g. "parent stdin closed, …"; absent when none. */
  scenario?: string;
  /**
   * Name of the host the result comes from, in a report that `fdaudit merge` made from several runs;
   * absent in the report of one run, whose results all come from `host`.
   */
  host?: string;
}

export interface HostFacts {
  /** The machine's hostname, or the name given with `fdaudit run --host-name`; absent in reports of older versions. */
  name?: string;
  kernel: string;
  node: string;
  libc: string;
}

export interface AuditReport {
  schema: 'fdaudit/audit@1';
  /**
   * The machine of the run. In a merged report: the one host when all inputs came from it, else each
   * field names the values of every host ("a, b"), and `hosts` has them one by one.
   */
  host: HostFacts;
  /** Merged reports only: every host the results come from, in input order, each with its name. */
  hosts?: HostFacts[];
  results: AuditResult[];
  tests: { passed: number; failed: number; skipped: number };
  /** Merged reports only: what `fdaudit merge` read and what it found overlapping. */
  merge?: MergeInfo;
}

/** How a merged report came about (`fdaudit merge`). */
export interface MergeInfo {
  /** Each audit.json read, as named on the command line or found in a directory, in the order read. */
  inputs: MergeInput[];
  /** The same host, kernel and launcher with different results: the result kept and the ones left out. */
  conflicts: MergeConflict[];
  /** Inputs, or results, that repeat an earlier input exactly; kept once. */
  duplicates: MergeDuplicate[];
  /** Anything else a reader should know, one sentence each (host facts that differ under one name, …). */
  notes: string[];
}

export interface MergeInput {
  file: string;
  /** Host names the input's results come from. */
  hosts: string[];
  results: number;
  tests: { passed: number; failed: number; skipped: number };
}

export interface MergeConflict {
  host: string;
  kernel: string;
  launcher: string;
  kept: { file: string; status: AuditStatus };
  dropped: { file: string; status: AuditStatus }[];
}

export interface MergeDuplicate {
  /** The input that repeats. */
  file: string;
  /** The earlier input it repeats. */
  of: string;
  /** How many of its results are repeats; all of them when the whole report is. */
  results: number;
  /** True when the whole report (host, results, test counts) is a repeat: its test counts are not added. */
  whole: boolean;
}

/** Bait kinds (DESIGN.md §5): fds opened in the launching process to see what crosses. */

export const BAIT_KINDS = [
  'file', 'dir', 'pipe', 'socketpair', 'tcp-listen', 'udp', 'eventfd', 'timerfd', 'epoll',
  'memfd', 'inotify', 'o-path', 'signalfd', 'pidfd', 'pty', 'unix-listen', 'netlink',
  'high-fd', 'above-soft-limit', 'cloexec', 'passed',
] as const;
export type BaitKind = (typeof BAIT_KINDS)[number];

export interface Bait {
  kind: BaitKind;
  /** Fd number in the launching process. */
  fd: number;
  /** Identity as the probe computes it for the same open file. */
  identity: string;
  /** readlink target in the parent (e.g. "pipe:[123]"). */
  target: string;
  /** 'absent' for everything but `passed`, which must cross where the launcher can pass fds. */
  expected: 'absent' | 'present';
}

/** A kind the kernel or sandbox refused to open here (pidfd_open → ENOSYS, no /dev/ptmx, …). */
export interface SkippedBait {
  kind: BaitKind;
  /** What refused it, e.g. "pidfd_open: ENOSYS (Function not implemented)". */
  reason: string;
}

export interface BaitSet {
  baits: Bait[];
  /** Kinds asked for that could not be opened here; never counted as sealed. */
  skipped: SkippedBait[];
  /** Fds to hand to the launcher on purpose (the `passed` bait). */
  keep: number[];
  /** Closes every bait fd and restores any limit changed for `above-soft-limit`. Idempotent. */
  close(): void;
}

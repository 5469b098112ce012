/**
 * The bait catalogue: one fd of each kind of DESIGN.md §5, opened in this
 * process so that a launcher started next can be seen passing it on (or
 * not). Everything but the `cloexec` control is opened without O_CLOEXEC.
 * Each bait records the identity the probe will compute for it in a child
 * (same C code, through the addon), so a bait is found even when a launcher
 * moves it to another number.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fdops from '../native/fdops.ts';
import type { Limit } from '../probe/types.ts';
import { describeFd } from '../probe/describe.ts';
import { BAIT_KINDS } from './types.ts';
import type { Bait, BaitKind, BaitSet, SkippedBait } from './types.ts';

export interface OpenBaitsOptions {
  /** Where the temp directory for file baits is made (default: os.tmpdir()). */
  tmpRoot?: string;
  /** Lowest number for the `high-fd` bait (default 1500; at least 1024). */
  highFd?: number;
}

const DEFAULT_HIGH_FD = 1500;
/** Above-soft-limit bait: as close to the hard limit as this, without growing the fd table past it. */
const ABOVE_SOFT_CEILING = 65536;

/**
 * Anonymous inodes differ only by what their fdinfo shows. Each bait gets its
 * own timer interval and epoll data value so that two bait sets (and the
 * fds of other programs) never share an identity with it.
 */
let serial = 0;
function nextSerial(): number {
  serial = (serial + 1) % 1_000_000;
  return serial;
}

function checkKinds(kinds: unknown): BaitKind[] {
  if (!Array.isArray(kinds)) throw new TypeError(`openBaits(kinds): kinds must be an array of bait kinds, got ${typeof kinds}`);
  const seen = new Set<string>();
  for (const k of kinds) {
    if (typeof k !== 'string') throw new TypeError(`openBaits(kinds): every kind must be a string, got ${typeof k}`);
    if (!(BAIT_KINDS as readonly string[]).includes(k)) {
      throw new RangeError(`openBaits(kinds): unknown bait kind '${k}' (known: ${BAIT_KINDS.join(', ')})`);
    }
    if (seen.has(k)) throw new RangeError(`openBaits(kinds): bait kind '${k}' is listed twice`);
    seen.add(k);
  }
  return kinds as BaitKind[];
}

function checkOptions(options: OpenBaitsOptions | undefined): Required<OpenBaitsOptions> {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('openBaits(kinds, options): options must be an object');
  }
  const highFd = options?.highFd ?? DEFAULT_HIGH_FD;
  if (typeof highFd !== 'number' || !Number.isInteger(highFd)) throw new TypeError('openBaits: options.highFd must be an integer');
  if (highFd < 1024) throw new RangeError(`openBaits: options.highFd must be >= 1024 (FD_SETSIZE), got ${highFd}`);
  const tmpRoot = options?.tmpRoot ?? tmpdir();
  if (typeof tmpRoot !== 'string' || tmpRoot === '') throw new TypeError('openBaits: options.tmpRoot must be a non-empty string');
  return { highFd, tmpRoot };
}

/**
 * Kinds that a kernel or sandbox may refuse, and the errnos that mean it did: an older kernel
 * (pidfd_open → ENOSYS), a seccomp profile (EPERM, EACCES), a container without /dev/ptmx (ENOENT,
 * ENODEV, ENXIO), a network sandbox without netlink (EAFNOSUPPORT, EPROTONOSUPPORT). Such a bait is
 * skipped with the reason; any other failure, or a refusal of a kind every Linux has, is an error.
 */
export const REFUSABLE_KINDS: readonly BaitKind[] = ['o-path', 'signalfd', 'pidfd', 'pty', 'unix-listen', 'netlink'];
const REFUSABLE: ReadonlySet<BaitKind> = new Set(REFUSABLE_KINDS);
const REFUSALS = new Set([
  'ENOSYS', 'EPERM', 'EACCES', 'ENOENT', 'ENODEV', 'ENXIO', 'EAFNOSUPPORT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EOPNOTSUPP',
]);
const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** "pidfd_open: ENOSYS (Function not implemented)" when `err` is a refusal, else null. */
function refusal(err: unknown): string | null {
  const e = err as { errno?: unknown; syscall?: unknown; message?: unknown } | null;
  if (!e || typeof e.errno !== 'number') return null;
  const name = ERRNO_NAMES.get(e.errno);
  if (!name || !REFUSALS.has(name)) return null;
  const text = typeof e.message === 'string' ? /failed: ([^(]+?)\s*(\(|$)/.exec(e.message)?.[1] : undefined;
  return `${typeof e.syscall === 'string' ? e.syscall : 'open'}: ${name}${text ? ` (${text})` : ''}`;
}

/** A signal set per bait set (real-time signals chosen by the serial's bits): what tells two signalfds apart. */
function signalfdSignals(n: number): string[] {
  const out = ['SIGRTMIN+21'];
  for (let bit = 0; bit < 20; bit++) if (n & (1 << bit)) out.push(`SIGRTMIN+${bit + 1}`);
  return out;
}

const finite = (l: Limit): number => (l === 'unlimited' ? Number.MAX_SAFE_INTEGER : l);

/**
 * The kernel's own hard RLIMIT_NOFILE from /proc/self/limits. Under an emulated limit (the
 * huge-nofile personality answers getrlimit with 1073741816) fd numbers still end here;
 * without /proc, no bound beyond the limit getrlimit reports.
 */
function kernelHardLimit(): number {
  try {
    const m = /^Max open files\s+\S+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

/**
 * Soft-limit bookkeeping shared by all open bait sets, so they may be closed
 * in any order: the limit in force before the first above-soft-limit bait,
 * and the numbers of those baits still open. The soft limit stays at or below
 * the lowest of them and comes back to the baseline when the last one closes.
 */
let limitBaseline: { soft: Limit; hard: Limit } | undefined;
const aboveSoftFds = new Set<number>();

function settleSoftLimit(): void {
  if (!limitBaseline) return;
  if (aboveSoftFds.size === 0) {
    fdops.setRlimitNofile(limitBaseline.soft, limitBaseline.hard);
    limitBaseline = undefined;
    return;
  }
  fdops.setRlimitNofile(Math.min(finite(limitBaseline.soft), ...aboveSoftFds), limitBaseline.hard);
}

/**
 * Opens the baits of `kinds` (default: all of them). On any failure every
 * fd opened so far is closed, the limit restored and the temp directory
 * removed before the error is thrown.
 */
export function openBaits(kinds: readonly BaitKind[] = BAIT_KINDS, options?: OpenBaitsOptions): BaitSet {
  const wanted = checkKinds(kinds);
  const opts = checkOptions(options);

  const baits: Bait[] = [];
  const skipped: SkippedBait[] = [];
  const keep: number[] = [];
  /** Every fd this set owns (baits and CLOEXEC helpers), closed in reverse order. */
  const owned: number[] = [];
  let tmp: string | undefined;
  let aboveSoft: number | undefined;
  let closed = false;

  const close = (): void => {
    if (closed) return;
    closed = true;
    const errors: unknown[] = [];
    for (const fd of owned.reverse()) {
      try {
        fdops.close(fd);
      } catch (err) {
        errors.push(err);
      }
    }
    if (aboveSoft !== undefined) {
      aboveSoftFds.delete(aboveSoft);
      try {
        settleSoftLimit();
      } catch (err) {
        errors.push(err);
      }
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (errors.length) throw new AggregateError(errors, 'closing the bait set failed');
  };

  const own = (fd: number): number => {
    owned.push(fd);
    return fd;
  };
  const tempFile = (name: string): string => {
    tmp ??= mkdtempSync(join(opts.tmpRoot, 'fdaudit-bait-'));
    const p = join(tmp, name);
    writeFileSync(p, `fdaudit bait: ${name}\n`);
    return p;
  };
  const tempDir = (): string => {
    tmp ??= mkdtempSync(join(opts.tmpRoot, 'fdaudit-bait-'));
    return tmp;
  };
  /** Moves `fd` to the first free number >= min and closes the original. */
  const moveAbove = (fd: number, min: number): number => {
    const moved = own(fdops.dupAbove(fd, min));
    fdops.close(fd);
    owned.splice(owned.indexOf(fd), 1);
    return moved;
  };

  const openOne = (kind: BaitKind): number => {
    switch (kind) {
      case 'file':
        return own(fdops.open(tempFile('file'), 'rw'));
      case 'dir':
        return own(fdops.open(tempDir(), 'dir'));
      case 'pipe': {
        // The write end is the bait (a leaked write end keeps readers from seeing EOF); the read end stays here.
        const [r, w] = fdops.pipe();
        own(r);
        fdops.setCloexec(r, true);
        return own(w);
      }
      case 'socketpair': {
        const [a, b] = fdops.socketpair();
        own(b);
        fdops.setCloexec(b, true);
        return own(a);
      }
      case 'tcp-listen':
        return own(fdops.tcpListen().fd);
      case 'udp':
        return own(fdops.udp().fd);
      case 'eventfd':
        return own(fdops.eventfd(0));
      case 'timerfd':
        // A distinct interval (ms) per bait: it is what tells two timerfds apart in fdinfo.
        return own(fdops.timerfd(86_400_000 + nextSerial()));
      case 'epoll': {
        const ep = own(fdops.epoll());
        // An empty epoll looks like any other; a registration with a unique data value does not.
        const target = own(fdops.eventfd(0, true));
        fdops.epollAdd(ep, target, process.pid * 1_000_000 + nextSerial());
        return ep;
      }
      case 'memfd':
        return own(fdops.memfd('fdaudit-bait'));
      case 'inotify': {
        const fd = own(fdops.inotify());
        // A watch on this set's own temp dir: a unique inode in fdinfo.
        fdops.inotifyAddWatch(fd, tempDir());
        return fd;
      }
      case 'o-path':
        // Opened for its path only: no I/O, so poll() reports it closed (POLLNVAL), yet it crosses exec.
        return own(fdops.open(tempFile('o-path'), 'path'));
      case 'signalfd':
        return own(fdops.signalfd(signalfdSignals(nextSerial())));
      case 'pidfd':
        return own(fdops.pidfd(process.pid));
      case 'pty':
        return own(fdops.ptmx());
      case 'unix-listen':
        return own(fdops.unixListen().fd);
      case 'netlink':
        return own(fdops.netlink());
      case 'high-fd':
        return moveAbove(own(fdops.open(tempFile('high-fd'), 'r')), opts.highFd);
      case 'above-soft-limit':
        return openAboveSoftLimit(own(fdops.open(tempFile('above-soft-limit'), 'r')));
      case 'cloexec':
        return own(fdops.open(tempFile('cloexec'), 'r', true));
      case 'passed': {
        const fd = own(fdops.open(tempFile('passed'), 'r'));
        keep.push(fd);
        return fd;
      }
    }
  };

  /**
   * `want` when F_DUPFD can place an fd there, else the highest number below it that it can. The two
   * differ where the reported limits promise more than the kernel hands out (a personality that emulates
   * a huge RLIMIT_NOFILE: F_DUPFD still stops at the real limit, with EINVAL).
   */
  const highestPlaceable = (fd: number, want: number): number => {
    const reaches = (min: number): boolean => {
      try {
        fdops.close(fdops.dupAbove(fd, min, true));
        return true;
      } catch (err) {
        const code = ERRNO_NAMES.get((err as { errno?: number }).errno ?? 0);
        if (code === 'EINVAL' || code === 'EMFILE') return false;
        throw err;
      }
    };
    if (reaches(want)) return want;
    // Bisect: `lo` is reached (the fd itself sits there), `hi` is not.
    let lo = fd;
    let hi = want;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (reaches(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  };

  /**
   * Places the fd near the hard limit, then lowers the soft limit to its
   * number, so it sits above the soft limit in force while a launcher runs:
   * a close loop "up to the soft limit" misses it. close() restores both.
   */
  const openAboveSoftLimit = (fd: number): number => {
    const before = fdops.getRlimitNofile();
    const hard = Math.min(finite(before.hard), ABOVE_SOFT_CEILING, kernelHardLimit());
    if (hard < 64) throw new RangeError(`openBaits: hard RLIMIT_NOFILE ${String(before.hard)} leaves no room for the above-soft-limit bait`);
    if (aboveSoftFds.size === 0) limitBaseline = before;
    // F_DUPFD only hands out numbers below the soft limit: raise it to the hard limit for the move.
    if (finite(before.soft) < hard) fdops.setRlimitNofile(hard, before.hard);
    let placed: number;
    try {
      placed = moveAbove(fd, highestPlaceable(fd, fdops.isOpen(hard - 1) ? hard - 64 : hard - 1));
    } catch (err) {
      settleSoftLimit();
      throw err;
    }
    aboveSoft = placed;
    aboveSoftFds.add(placed);
    settleSoftLimit();
    return placed;
  };

  try {
    // above-soft-limit last: the lowered soft limit must not get in the way of the others.
    const order = [...wanted.filter((k) => k !== 'above-soft-limit'), ...wanted.filter((k) => k === 'above-soft-limit')];
    for (const kind of order) {
      let fd: number;
      try {
        fd = openOne(kind);
      } catch (err) {
        const reason = REFUSABLE.has(kind) ? refusal(err) : null;
        if (reason === null) throw err;
        skipped.push({ kind, reason });
        continue;
      }
      const d = describeFd(fd);
      baits.push({ kind, fd, identity: d.identity, target: d.target, expected: kind === 'passed' ? 'present' : 'absent' });
    }
    // Matching in a child goes by identity: two baits sharing one would make the verdict ambiguous.
    const byIdentity = new Map<string, BaitKind>();
    for (const b of baits) {
      const other = byIdentity.get(b.identity);
      if (other) throw new Error(`openBaits: baits '${other}' and '${b.kind}' share the identity ${b.identity}`);
      byIdentity.set(b.identity, b.kind);
    }
  } catch (err) {
    try {
      close();
    } catch {
      /* the opening error is the one worth reporting */
    }
    throw err;
  }
  const order = (a: { kind: BaitKind }, b: { kind: BaitKind }): number => BAIT_KINDS.indexOf(a.kind) - BAIT_KINDS.indexOf(b.kind);
  baits.sort(order);
  skipped.sort(order);
  return { baits, skipped, keep, close };
}

/** Open fd numbers of this process, ascending (for "nothing left behind" checks). */
export function openFds(): number[] {
  return fdops.openFds();
}

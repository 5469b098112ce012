/**
 * Fixed audit results and test records the reporter golden files are made from: a sealed
 * row, leak rows, an error row, a skipped row, under two kernel personalities; under the second the
 * sandbox refused the netlink bait (a skipped bait in each of its judged rows).
 */
import type { AuditReport, AuditResult, BaitVerdict } from '../../../../src/audit/types.ts';
import { BAIT_KINDS, type BaitKind } from '../../../../src/bait/types.ts';
import type { TestRecord } from '../../../../src/report/types.ts';

/** Parent fd of each bait kind in the fixtures. */
const PARENT_FD: Record<BaitKind, number> = {
  file: 20, dir: 21, pipe: 22, socketpair: 24, 'tcp-listen': 26, udp: 27, eventfd: 28, timerfd: 29,
  epoll: 30, memfd: 31, inotify: 32, 'high-fd': 1500, 'above-soft-limit': 19990, cloexec: 33, passed: 34,
  'o-path': 35, signalfd: 36, pidfd: 37, pty: 38, 'unix-listen': 39, netlink: 40,
};

/** Baits as a launcher sees them: those in `leaks` cross at their own number; `passed` arrives unless told. */
function baits(leaks: readonly BaitKind[], passedArrives = true, refused: Partial<Record<BaitKind, string>> = {}): BaitVerdict[] {
  return BAIT_KINDS.map((kind): BaitVerdict => {
    const reason = refused[kind];
    if (reason) return { kind, fd: null, expected: 'absent', crossed: false, childFd: null, skipped: true, reason };
    const fd = PARENT_FD[kind];
    if (kind === 'passed') {
      return { kind, fd, expected: 'present', crossed: passedArrives, childFd: passedArrives ? fd : null, target: 'pipe:[9034]' };
    }
    const crossed = leaks.includes(kind);
    return { kind, fd, expected: 'absent', crossed, childFd: crossed ? fd : null, target: `${kind}-target` };
  });
}

const ALL_BUT_CLOEXEC = BAIT_KINDS.filter((k) => k !== 'cloexec' && k !== 'passed');
const NO_NETLINK = { netlink: 'socket: EAFNOSUPPORT (Address family not supported by protocol)' };
const ok = { blocked: [] as string[], ignored: [] as string[] };

export const RESULTS: AuditResult[] = [
  // Deliberately out of display order: the reporters sort.
  {
    launcher: 'native', kernel: 'host', status: 'sealed', baits: baits([]), extraFds: [],
    rlimitNofile: { soft: 1024, hard: 20000 }, signals: ok, closeStrategy: 'close_range', error: null, durationMs: 1.21,
  },
  {
    launcher: 'node:spawn', kernel: 'host', status: 'leak', baits: baits(ALL_BUT_CLOEXEC), extraFds: [],
    rlimitNofile: { soft: 20000, hard: 20000 }, signals: ok, closeStrategy: null, error: null, durationMs: 3.47,
  },
  {
    launcher: 'ext:mine', kernel: 'host', status: 'leak', baits: baits(['high-fd'], false),
    extraFds: [{ fd: 5, target: 'anon_inode:[eventpoll]', type: 'anon' }],
    rlimitNofile: { soft: 1024, hard: 20000 }, signals: { blocked: [], ignored: ['SIGPIPE'] },
    closeStrategy: null, error: null, durationMs: 12.6,
  },
  {
    launcher: 'ext:python-subprocess', kernel: 'host', status: 'skipped', baits: [], extraFds: [],
    rlimitNofile: null, signals: null, closeStrategy: null, error: 'python3 not found in PATH', durationMs: 0,
  },
  {
    launcher: 'mutant:fd-setsize-fallback', kernel: 'host', status: 'sealed', baits: baits([]), extraFds: [],
    rlimitNofile: { soft: 1024, hard: 20000 }, signals: ok, closeStrategy: 'close_range', error: null, durationMs: 1.18,
  },
  {
    launcher: 'native', kernel: 'linux-5.8', status: 'sealed', baits: baits([], true, NO_NETLINK), extraFds: [],
    rlimitNofile: { soft: 1024, hard: 20000 }, signals: ok, closeStrategy: 'proc-walk', error: null, durationMs: 5.82,
  },
  {
    launcher: 'mutant:fd-setsize-fallback', kernel: 'linux-5.8', status: 'leak', baits: baits(['high-fd', 'above-soft-limit'], true, NO_NETLINK),
    extraFds: [], rlimitNofile: { soft: 1024, hard: 20000 }, signals: ok, closeStrategy: 'loop-fd-setsize', error: null, durationMs: 2.93,
  },
  {
    launcher: 'posix_spawn', kernel: 'linux-5.8', status: 'error', baits: [], extraFds: [],
    rlimitNofile: null, signals: null, closeStrategy: null,
    error: 'probe exited with code 127\nposix_spawn: closefrom failed: ENOSYS (/proc walk unavailable)', durationMs: 0.87,
  },
];

export const RECORDS: TestRecord[] = [
  { name: 'node:spawn › pipe', file: 'suites/audit/launchers.spec.ts', launcher: 'node:spawn', kernel: 'host', bait: 'pipe', status: 'passed', durationMs: 41.5 },
  { name: 'native › pipe', file: 'suites/audit/launchers.spec.ts', launcher: 'native', kernel: 'host', bait: 'pipe', status: 'passed', durationMs: 12 },
  {
    name: 'ext:mine › high-fd', file: 'suites/audit/user.spec.ts', launcher: 'ext:mine', kernel: 'host', bait: 'high-fd', status: 'failed', durationMs: 30.25,
    message: 'ext:mine leaked high-fd fd 1500 -> child fd 1500 (/tmp/bait "a" & <b>)\nexpected sealed',
  },
  { name: 'ext:python-subprocess › pipe', file: 'suites/audit/launchers.spec.ts', launcher: 'ext:python-subprocess', kernel: 'host', bait: 'pipe', status: 'skipped', durationMs: 0, message: 'python3 not found in PATH' },
  { name: 'native › high-fd', file: 'suites/audit/launchers.spec.ts', launcher: 'native', kernel: 'linux-5.8', bait: 'high-fd', status: 'passed', durationMs: 15 },
  {
    name: 'mutant:fd-setsize-fallback › high-fd', file: 'suites/audit/mutants.spec.ts', launcher: 'mutant:fd-setsize-fallback', kernel: 'linux-5.8', bait: 'high-fd', status: 'failed', durationMs: 18,
    message: 'mutant:fd-setsize-fallback leaked high-fd fd 1500 -> child fd 1500 (\u001b[31mpipe:[77]\u001b[39m)\u0007',
  },
  { name: 'config is readable', file: 'suites/unit/config.spec.ts', status: 'passed', durationMs: 1 },
];

export const REPORT: AuditReport = {
  schema: 'fdaudit/audit@1',
  host: { name: 'ci-7', kernel: '6.18.44', node: 'v20.20.2', libc: 'glibc 2.36' },
  results: RESULTS,
  tests: { passed: 4, failed: 2, skipped: 1 },
};

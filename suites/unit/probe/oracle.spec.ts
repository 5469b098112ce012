/**
 * The probe's fd list against an oracle that shares none of its code: fdaudit-fdscan, which asks
 * fcntl(F_GETFD) about every number below the fd table size, one call each. Both run as children of
 * this process, which holds one bait of every kind (all but the cloexec control without O_CLOEXEC, so
 * they reach the child), under every kernel personality `fdaudit kernels` lists: the probe must list
 * exactly the fds the oracle finds, and describe each bait as the parent does.
 */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { openBaits } from '../../../src/bait/open.ts';
import { BAIT_KINDS, type BaitKind, type BaitSet } from '../../../src/bait/types.ts';
import { getPersonality, kernelAvailability, wrapArgv } from '../../../src/kernels/index.ts';
import { KERNEL_IDS, type KernelId, type WrapOptions } from '../../../src/kernels/types.ts';
import * as fdops from '../../../src/native/fdops.ts';
import { nativePath } from '../../../src/native/paths.ts';
import { parseProbeReport } from '../../../src/probe/parse.ts';
import { probeArgv } from '../../../src/probe/path.ts';
import type { ProbeReport } from '../../../src/probe/types.ts';

interface Scan {
  bound: number;
  fds: number[];
}

/** fs.nr_open, read here: no fd table of any process can be larger, so it bounds the oracle without /proc. */
function nrOpen(): number {
  return Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
}

function runUnder(kernel: KernelId, argv: string[], options: WrapOptions = {}): string {
  const [file, ...args] = wrapArgv(kernel, argv, options);
  const r = spawnSync(file as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${argv[0]} under ${kernel} failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  return r.stdout;
}

function oracle(kernel: KernelId, options: WrapOptions = {}): Scan {
  // Without /proc the oracle cannot read its table size; fs.nr_open is at or above it.
  const below = getPersonality(kernel).hidesProc ? ['--below', String(nrOpen())] : [];
  return JSON.parse(runUnder(kernel, [nativePath('fdaudit-fdscan'), ...below], options)) as Scan;
}

function probe(kernel: KernelId, options: WrapOptions = {}): ProbeReport {
  return parseProbeReport(runUnder(kernel, probeArgv('-'), options), `probe under ${kernel}`);
}

/** Types the probe must give each bait kind (with or without /proc). */
const TYPES: Record<BaitKind, string> = {
  file: 'file', dir: 'dir', pipe: 'pipe', socketpair: 'socket', 'tcp-listen': 'socket', udp: 'socket',
  eventfd: 'anon', timerfd: 'anon', epoll: 'anon', memfd: 'memfd', inotify: 'anon', 'o-path': 'file',
  signalfd: 'anon', pidfd: 'anon', pty: 'char', 'unix-listen': 'socket', netlink: 'socket',
  'high-fd': 'file', 'above-soft-limit': 'file', cloexec: 'file', passed: 'file',
};

/**
 * Kinds whose identity needs fdinfo to match the parent's exactly (anonymous inodes named or told
 * apart only there): without /proc they are compared by kind and inode, not by fingerprint.
 */
const FDINFO_IDENTITY: ReadonlySet<BaitKind> = new Set(['eventfd', 'timerfd', 'epoll', 'inotify', 'signalfd']);

function withAllBaits(body: (set: BaitSet) => void): void {
  const set = openBaits(BAIT_KINDS);
  try {
    body(set);
  } finally {
    set.close();
  }
}

test.group('probe: against an independent fcntl scan, in every kernel personality', () => {
  for (const kernel of KERNEL_IDS) {
    test(`${kernel}: the probe lists exactly the fds fcntl finds, every bait kind among them, each described`, ({ assert }) => {
      const hidden = getPersonality(kernel).hidesProc;
      withAllBaits((set) => {
        assert.deepEqual(set.skipped, [], 'every bait kind opens in this (host) process');
        const scan = oracle(kernel);
        const rep = probe(kernel);
        const listed = rep.fds.map((f) => f.fd);
        assert.deepEqual(listed, scan.fds, `${kernel}: probe and oracle disagree`);
        assert.isAbove(scan.bound, Math.max(...scan.fds), 'the oracle swept past the highest fd');
        for (const b of set.baits) {
          const entry = rep.fds.find((f) => f.fd === b.fd);
          if (b.kind === 'cloexec') {
            // The control: neither side sees it, so agreeing is not the same as seeing nothing.
            assert.notInclude(scan.fds, b.fd, 'the cloexec control reached the oracle');
            assert.isUndefined(entry, 'the cloexec control reached the probe');
            continue;
          }
          assert.include(scan.fds, b.fd, `${kernel}: the oracle does not see the ${b.kind} bait at fd ${b.fd}`);
          assert.equal(entry?.type, TYPES[b.kind], `${kernel}: type of the ${b.kind} bait`);
          assert.equal(entry?.target, hidden ? 'unknown' : b.target, `${kernel}: target of the ${b.kind} bait`);
          if (hidden && FDINFO_IDENTITY.has(b.kind)) {
            // Same object (device and inode; access mode), kind named where a harmless query names it.
            assert.equal(entry?.identity.split(':').slice(0, 3).join(':'), b.identity.split(':').slice(0, 3).join(':'), b.kind);
          } else {
            assert.equal(entry?.identity, b.identity, `${kernel}: identity of the ${b.kind} bait`);
          }
        }
      });
    }).skip(() => kernelAvailability(kernel) !== null, `the ${kernel} personality is unavailable here: ${kernelAvailability(kernel)}`);
  }

  test('negative control: an fd closed in the parent is gone from both lists, an fd opened appears in both', ({ assert }) => {
    const [r, w] = fdops.pipe();
    const before = oracle('host').fds;
    const rep = probe('host');
    fdops.close(r);
    fdops.close(w);
    assert.include(before, w);
    assert.include(rep.fds.map((f) => f.fd), w);
    const after = oracle('host').fds;
    assert.notInclude(after, w);
    assert.notInclude(probe('host').fds.map((f) => f.fd), w);
    assert.deepEqual(before.filter((fd) => fd !== r && fd !== w), after);
  });
});

test.group('fdaudit-fdscan: its own input', () => {
  test('a bad --below is a usage error; without /proc and without --below it says what it needs', ({ assert }) => {
    const scan = nativePath('fdaudit-fdscan');
    for (const bad of [['--below', '0'], ['--below', 'x'], ['--below'], ['--bogus']]) {
      const r = spawnSync(scan, bad, { encoding: 'utf8' });
      assert.equal(r.status, 2, bad.join(' '));
      assert.equal(r.stdout, '');
    }
    const noProc = KERNEL_IDS.find((k) => getPersonality(k).hidesProc) as KernelId;
    const [file, ...args] = wrapArgv(noProc, [scan]);
    const r = spawnSync(file as string, args, { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\/proc\/self\/status is out of reach: give the bound with --below N/);
    // Control: with /proc the bound is the table size: at least 64 slots (no table is smaller), past every fd.
    const ok = JSON.parse(spawnSync(scan, [], { encoding: 'utf8' }).stdout) as Scan;
    assert.isAtLeast(ok.bound, 64);
    assert.isAbove(ok.bound, Math.max(...ok.fds));
  }).skip(() => KERNEL_IDS.every((k) => !getPersonality(k).hidesProc || kernelAvailability(k) !== null), 'no personality without /proc is available here');
});

test.group('probe: O_PATH fds without /proc', () => {
  const noProc = KERNEL_IDS.filter((k) => getPersonality(k).hidesProc);
  const unavailable = (): string | null => noProc.map((k) => kernelAvailability(k)).find((why) => why !== null) ?? null;

  test('listed and described at low and high numbers (poll alone calls them closed), also where select is refused', ({ assert }) => {
    const low = fdops.open('/', 'path');
    const high = fdops.dupAbove(low, 4000);
    const edge = fdops.dupAbove(low, 8191);
    try {
      // A child's table is sized to its highest open fd: 8191 is its last slot, where a sweep bound
      // that is one short would miss it.
      assert.equal(oracle('host').bound, 8192, `fd ${edge} is not the last slot of the child's table (another fd of this process sits higher)`);
      for (const kernel of noProc) {
        for (const options of [{}, { deny: [{ syscall: 'pselect6', errno: 'EPERM' }] }] as const) {
          const what = `${kernel}${'deny' in options ? ' with pselect6 refused' : ''}`;
          const rep = probe(kernel, options as WrapOptions);
          for (const fd of [low, high, edge]) {
            const entry = rep.fds.find((f) => f.fd === fd);
            assert.exists(entry, `${what}: O_PATH fd ${fd} is not listed`);
            assert.equal(entry?.type, 'dir', what);
            assert.equal(entry?.identity, `${entry?.dev}:${entry?.ino}:path`, what);
            assert.equal(entry?.target, 'unknown', what);
          }
          assert.deepEqual(rep.fds.map((f) => f.fd), oracle(kernel).fds, what);
        }
      }
    } finally {
      for (const fd of [edge, high, low]) fdops.close(fd);
    }
    // Negative control: the same numbers, closed, are not listed.
    const after = probe(noProc[0] as KernelId);
    assert.notInclude(after.fds.map((f) => f.fd), edge);
  }).skip(() => noProc.length === 0 || unavailable() !== null, `a personality without /proc is unavailable here: ${unavailable()}`);

  test('pidfd and pty master identities read the same without /proc; eventfd and signalfd are told apart', ({ assert }) => {
    const fds = { pidfd: fdops.pidfd(process.pid), pty: fdops.ptmx(), eventfd: fdops.eventfd(0), signalfd: fdops.signalfd(['SIGRTMIN+7']) };
    try {
      const withProc = probe('host');
      const without = probe(noProc[0] as KernelId);
      const id = (rep: ProbeReport, fd: number): string | undefined => rep.fds.find((f) => f.fd === fd)?.identity;
      assert.match(id(without, fds.pidfd) ?? '', /:pidfd:[0-9a-f]{16}$/);
      assert.equal(id(without, fds.pidfd), id(withProc, fds.pidfd));
      assert.match(id(without, fds.pty) ?? '', /:ptmx:[0-9a-f]{16}$/);
      assert.equal(id(without, fds.pty), id(withProc, fds.pty));
      assert.match(id(without, fds.eventfd) ?? '', /:eventfd:-$/);
      assert.match(id(without, fds.signalfd) ?? '', /:anon:-$/);
      // With /proc, fdinfo names both.
      assert.match(id(withProc, fds.signalfd) ?? '', /:signalfd:[0-9a-f]{16}$/);
    } finally {
      for (const fd of Object.values(fds)) fdops.close(fd);
    }
  }).skip(() => noProc.length === 0 || unavailable() !== null, `a personality without /proc is unavailable here: ${unavailable()}`);
});

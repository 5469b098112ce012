import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBaits, openFds } from '../../../src/bait/open.ts';
import { BAIT_KINDS } from '../../../src/bait/types.ts';
import type { BaitKind, BaitSet } from '../../../src/bait/types.ts';
import type { AuditResult } from '../../../src/audit/types.ts';
import { kernelWrapperPath, wrapArgv } from '../../../src/kernels/index.ts';
import * as fdops from '../../../src/native/fdops.ts';
import { describeFd } from '../../../src/probe/describe.ts';
import { parseProbeReport } from '../../../src/probe/parse.ts';
import { probeArgv } from '../../../src/probe/path.ts';
import type { ProbeReport } from '../../../src/probe/types.ts';

/** Node's spawnSync: passes on every non-CLOEXEC fd, which is the leak the baits measure. */
function probeChild(): ProbeReport {
  const [file, ...args] = probeArgv('-');
  const r = spawnSync(file as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
  return parseProbeReport(r.stdout, 'probe child');
}

function withBaits(kinds: readonly BaitKind[], body: (set: BaitSet) => void): void {
  const set = openBaits(kinds);
  try {
    body(set);
  } finally {
    set.close();
  }
}

test.group('baits: opening', () => {
  test('every kind opens once, non-CLOEXEC except the control, with distinct identities', ({ assert }) => {
    withBaits(BAIT_KINDS, (set) => {
      // Everything opens on this host (a sandbox that refuses a kind skips it: see the linux-5.2 test).
      assert.deepEqual(set.skipped, []);
      assert.deepEqual(set.baits.map((b) => b.kind), [...BAIT_KINDS]);
      for (const b of set.baits) {
        assert.isTrue(fdops.isOpen(b.fd), b.kind);
        assert.equal(fdops.getCloexec(b.fd), b.kind === 'cloexec', `${b.kind} CLOEXEC`);
        assert.equal(describeFd(b.fd).identity, b.identity, b.kind);
        assert.equal(b.expected, b.kind === 'passed' ? 'present' : 'absent');
      }
      assert.equal(new Set(set.baits.map((b) => b.identity)).size, set.baits.length);
      assert.equal(new Set(set.baits.map((b) => b.fd)).size, set.baits.length);
      const at = (k: BaitKind) => set.baits.find((b) => b.kind === k);
      assert.deepEqual(set.keep, [at('passed')?.fd]);
      assert.isAtLeast(at('high-fd')?.fd ?? 0, 1500);
      const soft = fdops.getRlimitNofile().soft;
      assert.isAtLeast(at('above-soft-limit')?.fd ?? 0, soft === 'unlimited' ? Infinity : soft, 'above the soft limit in force');
      const types: Partial<Record<BaitKind, string>> = {
        file: 'file', dir: 'dir', pipe: 'pipe', socketpair: 'socket', 'tcp-listen': 'socket', udp: 'socket',
        eventfd: 'anon', timerfd: 'anon', epoll: 'anon', inotify: 'anon', memfd: 'memfd',
        'o-path': 'file', signalfd: 'anon', pidfd: 'anon', pty: 'char', 'unix-listen': 'socket', netlink: 'socket',
      };
      for (const [k, t] of Object.entries(types)) assert.equal(describeFd(at(k as BaitKind)?.fd ?? -1).type, t, k);
    });
  });

  test('a subset opens only what is asked; bad kinds are refused before anything opens', ({ assert }) => {
    const before = openFds();
    withBaits(['pipe', 'passed'], (set) => {
      assert.deepEqual(set.baits.map((b) => b.kind), ['pipe', 'passed']);
    });
    assert.throws(() => openBaits(['pipe', 'nope' as BaitKind]), /unknown bait kind 'nope'/);
    assert.throws(() => openBaits('pipe' as unknown as BaitKind[]), TypeError);
    assert.throws(() => openBaits(['pipe', 'pipe']), /listed twice/);
    assert.throws(() => openBaits(['high-fd'], { highFd: 100 }), RangeError);
    assert.deepEqual(openFds(), before);
  });
});

test.group('baits: what a child sees', () => {
  test('each bait is found in a Node child at its number with the same identity; cloexec never crosses', ({ assert }) => {
    withBaits(BAIT_KINDS, (set) => {
      const rep = probeChild();
      for (const b of set.baits) {
        const byIdentity = rep.fds.filter((f) => f.identity === b.identity);
        if (b.kind === 'cloexec') {
          assert.lengthOf(byIdentity, 0, 'the cloexec control crossed');
          assert.isUndefined(rep.fds.find((f) => f.fd === b.fd));
        } else {
          assert.deepEqual(byIdentity.map((f) => f.fd), [b.fd], `${b.kind} (identity ${b.identity})`);
          assert.equal(byIdentity[0]?.target, b.target, b.kind);
        }
      }
      // The child runs under the lowered soft limit, with the above-soft-limit bait beyond it.
      const above = set.baits.find((b) => b.kind === 'above-soft-limit');
      assert.isAtLeast(above?.fd ?? 0, rep.rlimitNofile.soft === 'unlimited' ? Infinity : rep.rlimitNofile.soft);
    });
    // Negative control: once closed, no bait identity shows up in a child.
    const ids = new Set<string>();
    withBaits(BAIT_KINDS, (set) => set.baits.forEach((b) => ids.add(b.identity)));
    const after = probeChild();
    assert.lengthOf(after.fds.filter((f) => ids.has(f.identity)), 0);
  });

  test('two bait sets have no identity in common but the pidfd (both name this process)', ({ assert }) => {
    withBaits(BAIT_KINDS, (a) => {
      withBaits(BAIT_KINDS, (b) => {
        const ids = new Set(a.baits.map((x) => x.identity));
        const shared = b.baits.filter((x) => ids.has(x.identity)).map((x) => x.kind);
        assert.deepEqual(shared, b.skipped.some((s) => s.kind === 'pidfd') ? [] : ['pidfd']);
        const rep = probeChild();
        for (const x of [...a.baits, ...b.baits].filter((x) => x.kind !== 'cloexec')) {
          const expected = x.kind === 'pidfd' ? [a, b].map((s) => s.baits.find((y) => y.kind === 'pidfd')?.fd).sort((m, n) => (m ?? 0) - (n ?? 0)) : [x.fd];
          assert.deepEqual(rep.fds.filter((f) => f.identity === x.identity).map((f) => f.fd), expected, x.kind);
        }
      });
    });
  });
});

test.group('baits: without /proc', () => {
  test('in a process under the no-proc personality every bait is still found in a child, cloexec still not', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-bait-test-'));
    try {
      const src = (m: string) => JSON.stringify(join(process.cwd(), 'src', m));
      const script = join(dir, 'noproc.ts');
      writeFileSync(script, [
        `import { spawnSync } from 'node:child_process';`,
        `import { existsSync } from 'node:fs';`,
        `import { openBaits } from ${src('bait/open.ts')};`,
        `import { probeArgv } from ${src('probe/path.ts')};`,
        `import { parseProbeReport } from ${src('probe/parse.ts')};`,
        `const set = openBaits();`,
        `const [f, ...a] = probeArgv('-');`,
        `const rep = parseProbeReport(spawnSync(f, a, { encoding: 'utf8' }).stdout);`,
        `const found = set.baits.map((b) => ({ kind: b.kind, fd: b.fd, at: rep.fds.filter((x) => x.identity === b.identity).map((x) => x.fd) }));`,
        `set.close();`,
        `console.log(JSON.stringify({ procVisible: existsSync('/proc/self/fd'), targets: [...new Set(rep.fds.map((x) => x.target))], found }));`,
      ].join('\n'));
      const [wrapper, ...args] = wrapArgv('no-proc', [process.execPath, '--import', 'tsx', script]);
      const res = spawnSync(wrapper as string, args, { encoding: 'utf8', cwd: process.cwd() });
      assert.equal(res.status, 0, res.stderr);
      const out = JSON.parse(res.stdout) as { procVisible: boolean; targets: string[]; found: Array<{ kind: BaitKind; fd: number; at: number[] }> };
      assert.isFalse(out.procVisible);
      assert.deepEqual(out.targets, ['unknown']);
      for (const b of out.found) assert.deepEqual(b.at, b.kind === 'cloexec' ? [] : [b.fd], b.kind);
      assert.lengthOf(out.found, BAIT_KINDS.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }).skip(() => spawnSync(kernelWrapperPath(), ['--as', 'no-proc', '--', '/bin/true']).status !== 0, 'the no-proc personality is unavailable here');
});

/** Runs `body` (TypeScript statements with `openBaits` in scope) in a Node process under a personality; its JSON output. */
function underPersonality(kernel: 'no-proc' | 'linux-5.2', body: string[]): { status: number | null; stderr: string; out: unknown } {
  const dir = mkdtempSync(join(tmpdir(), 'fdaudit-bait-test-'));
  try {
    const src = (m: string) => JSON.stringify(join(process.cwd(), 'src', m));
    const script = join(dir, 'child.mts');
    writeFileSync(script, [`import { openBaits } from ${src('bait/open.ts')};`, ...body].join('\n'));
    const [wrapper, ...args] = wrapArgv(kernel, [process.execPath, '--import', 'tsx', script]);
    const res = spawnSync(wrapper as string, args, { encoding: 'utf8', cwd: process.cwd() });
    return { status: res.status, stderr: res.stderr, out: res.status === 0 ? JSON.parse(res.stdout) : null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test.group('baits: an O_PATH leak without /proc', () => {
  // poll() reports an open O_PATH fd as POLLNVAL: a probe that took that for "closed" would call this
  // leak sealed. The leaking control must be seen leaking, and the sealed launcher seen sealing.
  test('under no-proc native:leak is seen passing the o-path bait at its number; native is seen sealing it', ({ assert }) => {
    const res = underPersonality('no-proc', [
      `import { existsSync } from 'node:fs';`,
      `import { audit } from ${JSON.stringify(join(process.cwd(), 'src', 'audit', 'audit.ts'))};`,
      `const rs = await audit({ launchers: ['native:leak', 'native'], baits: ['o-path', 'file'], kernel: 'no-proc' });`,
      `console.log(JSON.stringify({ procVisible: existsSync('/proc/self/fd'), results: rs }));`,
    ]);
    assert.equal(res.status, 0, res.stderr);
    const out = res.out as { procVisible: boolean; results: AuditResult[] };
    assert.isFalse(out.procVisible);
    const [leak, sealed] = out.results;
    const oPath = (r: AuditResult | undefined) => r?.baits.find((b) => b.kind === 'o-path');
    assert.equal(leak?.status, 'leak', JSON.stringify(leak));
    assert.isTrue(oPath(leak)?.crossed, 'the O_PATH fd that crossed was not seen');
    assert.equal(oPath(leak)?.childFd, oPath(leak)?.fd);
    assert.equal(sealed?.status, 'sealed', JSON.stringify(sealed));
    assert.isFalse(oPath(sealed)?.crossed);
  }).skip(() => spawnSync(kernelWrapperPath(), ['--as', 'no-proc', '--', '/bin/true']).status !== 0, 'the no-proc personality is unavailable here');
});

test.group('baits: refused kinds', () => {
  test('under linux-5.2 the pidfd bait is skipped with the reason and the rest opens; on the host it opens', ({ assert }) => {
    const res = underPersonality('linux-5.2', [
      `const set = openBaits();`,
      `console.log(JSON.stringify({ opened: set.baits.map((b) => b.kind), skipped: set.skipped }));`,
      `set.close();`,
    ]);
    assert.equal(res.status, 0, res.stderr);
    const out = res.out as { opened: string[]; skipped: Array<{ kind: string; reason: string }> };
    assert.deepEqual(out.skipped.map((s) => s.kind), ['pidfd']);
    assert.match(out.skipped[0]?.reason ?? '', /^pidfd_open: ENOSYS \(Function not implemented\)$/);
    assert.deepEqual(out.opened, BAIT_KINDS.filter((k) => k !== 'pidfd'));
    // Negative control: here pidfd_open works and the bait is a pidfd.
    withBaits(['pidfd'], (set) => {
      assert.deepEqual(set.skipped, []);
      assert.match(set.baits[0]?.identity ?? '', /:pidfd:[0-9a-f]{16}$/);
    });
  }).skip(() => spawnSync(kernelWrapperPath(), ['--as', 'linux-5.2', '--', '/bin/true']).status !== 0, 'the linux-5.2 personality is unavailable here');
});

test.group('baits: closing', () => {
  test('close() leaves the fd list and the soft limit as they were, removes temp files, and is idempotent', ({ assert }) => {
    const root = mkdtempSync(join(tmpdir(), 'fdaudit-bait-test-'));
    try {
      const fdsBefore = openFds();
      const limitBefore = fdops.getRlimitNofile();
      const set = openBaits(BAIT_KINDS, { tmpRoot: root });
      assert.notDeepEqual(openFds(), fdsBefore);
      assert.notDeepEqual(fdops.getRlimitNofile(), limitBefore, 'the soft limit was lowered under the above-soft-limit bait');
      assert.lengthOf(readdirSync(root), 1);
      set.close();
      assert.deepEqual(openFds(), fdsBefore);
      assert.deepEqual(fdops.getRlimitNofile(), limitBefore);
      assert.lengthOf(readdirSync(root), 0);
      for (const b of set.baits) assert.isFalse(fdops.isOpen(b.fd) && describeFd(b.fd).identity === b.identity, b.kind);
      assert.doesNotThrow(() => set.close());
      assert.deepEqual(openFds(), fdsBefore);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('two sets closed in either order bring the soft limit back', ({ assert }) => {
    const limitBefore = fdops.getRlimitNofile();
    for (const order of ['first-opened first', 'last-opened first']) {
      const a = openBaits(['above-soft-limit']);
      const b = openBaits(['above-soft-limit']);
      const [x, y] = order === 'first-opened first' ? [a, b] : [b, a];
      const fdA = a.baits[0]?.fd ?? -1;
      const fdB = b.baits[0]?.fd ?? -1;
      const soft = () => fdops.getRlimitNofile().soft as number;
      assert.isAtMost(soft(), Math.min(fdA, fdB), order);
      x.close();
      const still = (x === a ? fdB : fdA);
      assert.isAtMost(soft(), still, `${order}: the remaining bait stays above the soft limit`);
      y.close();
      assert.deepEqual(fdops.getRlimitNofile(), limitBefore, order);
    }
  });

  test('a failure half-way closes what was opened and restores the limit', ({ assert }) => {
    const root = mkdtempSync(join(tmpdir(), 'fdaudit-bait-test-'));
    try {
      const fdsBefore = openFds();
      const limitBefore = fdops.getRlimitNofile();
      const hard = limitBefore.hard === 'unlimited' ? 1 << 20 : limitBefore.hard;
      // high-fd is opened after most kinds and above-soft-limit last; a high-fd beyond the hard limit cannot be placed.
      assert.throws(() => openBaits(BAIT_KINDS, { tmpRoot: root, highFd: hard + 10 }));
      assert.deepEqual(openFds(), fdsBefore);
      assert.deepEqual(fdops.getRlimitNofile(), limitBefore);
      assert.lengthOf(readdirSync(root), 0);
      assert.isFalse(existsSync(join(root, 'file')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

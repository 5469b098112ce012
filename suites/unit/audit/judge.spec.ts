import { test } from '@japa/runner';
import { judge } from '../../../src/audit/judge.ts';
import { sealedPolicyFindings } from '../../../src/audit/policy.ts';
import type { Bait } from '../../../src/bait/types.ts';
import type { ProbeFd, ProbeReport } from '../../../src/probe/types.ts';

const bait = (kind: Bait['kind'], fd: number, identity: string, expected: Bait['expected'] = 'absent'): Bait => ({
  kind,
  fd,
  identity,
  target: `${kind}-target`,
  expected,
});

const pfd = (fd: number, identity: string, target = `t${fd}`, type: ProbeFd['type'] = 'file'): ProbeFd => ({
  fd,
  target,
  type,
  dev: '0:1',
  ino: String(fd),
  flags: '02',
  pos: '0',
  identity,
});

const report = (fds: ProbeFd[], extra: Partial<ProbeReport> = {}): ProbeReport => ({
  schema: 'fdaudit/probe@1',
  pid: 100,
  ppid: 99,
  fds,
  rlimitNofile: { soft: 1024, hard: 20000 },
  signals: { blocked: [], ignored: [] },
  cwd: '/',
  umask: '0022',
  ...extra,
});

const stdio = [pfd(0, 'null'), pfd(1, 'out'), pfd(2, 'out2')];
const baits = [bait('pipe', 17, 'id-pipe'), bait('high-fd', 1500, 'id-high'), bait('cloexec', 20, 'id-cx'), bait('passed', 21, 'id-passed', 'present')];
const canPass = { id: 'x', canPassFds: true };

test.group('judge: fixed data', () => {
  test('nothing but stdio and the passed bait: sealed, passed found at its number', ({ assert }) => {
    const r = judge(baits, report([...stdio, pfd(21, 'id-passed')]), canPass);
    assert.equal(r.status, 'sealed');
    assert.deepEqual(r.extraFds, []);
    const passed = r.baits.find((b) => b.kind === 'passed');
    assert.deepInclude(passed, { crossed: true, childFd: 21, expected: 'present' });
    for (const b of r.baits.filter((x) => x.kind !== 'passed')) assert.deepInclude(b, { crossed: false, childFd: null, expected: 'absent' });
    assert.deepEqual(sealedPolicyFindings(r), []);
    assert.equal(r.kernel, 'host');
    assert.isNull(r.error);
  });

  test('a bait at its own number: leak, and the policy names launcher, kind and fds', ({ assert }) => {
    const r = judge(baits, report([...stdio, pfd(17, 'id-pipe'), pfd(21, 'id-passed')]), canPass, { kernel: 'linux-5.8' });
    assert.equal(r.status, 'leak');
    assert.deepInclude(r.baits.find((b) => b.kind === 'pipe'), { crossed: true, childFd: 17 });
    const findings = sealedPolicyFindings(r);
    assert.lengthOf(findings, 1);
    assert.equal(findings[0]?.message, 'x [linux-5.8] leaked pipe fd 17 -> child fd 17 (pipe-target)');
    assert.equal(r.kernel, 'linux-5.8');
  });

  test('a renumbered bait is found by identity at its new number', ({ assert }) => {
    const r = judge(baits, report([...stdio, pfd(3, 'id-high'), pfd(21, 'id-passed')]), canPass);
    assert.equal(r.status, 'leak');
    assert.deepInclude(r.baits.find((b) => b.kind === 'high-fd'), { crossed: true, childFd: 3, fd: 1500 });
    assert.deepEqual(r.extraFds, [], 'the renumbered bait is not counted again as an extra fd');
  });

  test('a bait renumbered into the stdio range is still a crossed bait', ({ assert }) => {
    const r = judge(baits, report([pfd(0, 'id-pipe'), pfd(1, 'out'), pfd(2, 'out2')]), canPass);
    assert.deepInclude(r.baits.find((b) => b.kind === 'pipe'), { crossed: true, childFd: 0 });
    assert.equal(r.status, 'leak');
  });

  test('an fd that is neither stdio nor a bait is an extra fd, and alone makes a leak', ({ assert }) => {
    const r = judge(baits, report([...stdio, pfd(5, 'someone-else', 'socket:[9]', 'socket'), pfd(21, 'id-passed')]), canPass);
    assert.equal(r.status, 'leak');
    assert.deepEqual(r.extraFds, [{ fd: 5, target: 'socket:[9]', type: 'socket' }]);
    assert.match(sealedPolicyFindings(r)[0]?.message ?? '', /left child fd 5 open \(socket socket:\[9\]\)/);
  });

  test('stdio that is not a bait is never an extra fd', ({ assert }) => {
    const r = judge(baits, report([pfd(0, 'a'), pfd(1, 'b'), pfd(2, 'c')]), { id: 'y', canPassFds: false });
    assert.deepEqual(r.extraFds, []);
    assert.equal(r.status, 'sealed');
  });

  test('passed is expected present only for launchers that can pass fds', ({ assert }) => {
    const cannot = judge(baits, report([...stdio, pfd(21, 'id-passed')]), { id: 'z', canPassFds: false });
    assert.deepInclude(cannot.baits.find((b) => b.kind === 'passed'), { expected: 'absent', crossed: true });
    assert.equal(cannot.status, 'leak');
    const missing = judge(baits, report([...stdio]), canPass);
    assert.equal(missing.status, 'sealed', 'a missing passed fd is not a leak');
    assert.deepEqual(sealedPolicyFindings(missing).map((f) => f.kind), ['bait-missing']);
  });

  test('two child fds with one identity: each bait claims one, its own number first', ({ assert }) => {
    const dupBaits = [bait('file', 10, 'same'), bait('dir', 11, 'same')];
    const r = judge(dupBaits, report([...stdio, pfd(11, 'same'), pfd(40, 'same')]), canPass);
    assert.deepInclude(r.baits.find((b) => b.kind === 'dir'), { childFd: 11 });
    assert.deepInclude(r.baits.find((b) => b.kind === 'file'), { childFd: 40 });
    assert.deepEqual(r.extraFds, []);
  });

  test('limits and signals are copied as the probe saw them and judged by the policy', ({ assert }) => {
    const r = judge(baits, report([...stdio, pfd(21, 'id-passed')], {
      rlimitNofile: { soft: 20000, hard: 20000 },
      signals: { blocked: ['SIGUSR1'], ignored: ['SIGPIPE'] },
    }), canPass, { closeStrategy: 'close_range', scenario: 's' });
    assert.equal(r.status, 'sealed', 'status is about fds only');
    assert.deepEqual(r.rlimitNofile, { soft: 20000, hard: 20000 });
    assert.deepEqual(r.signals, { blocked: ['SIGUSR1'], ignored: ['SIGPIPE'] });
    assert.equal(r.closeStrategy, 'close_range');
    assert.equal(r.scenario, 's');
    assert.deepEqual(sealedPolicyFindings(r).map((f) => f.kind), ['rlimit', 'signal-blocked', 'signal-ignored']);
    assert.lengthOf(sealedPolicyFindings(r, { maxSoftLimit: 20000 }), 2);
    const unlimited = judge(baits, report(stdio, { rlimitNofile: { soft: 'unlimited', hard: 'unlimited' } }), canPass);
    assert.include(sealedPolicyFindings(unlimited).map((f) => f.kind), 'rlimit');
  });

  test('judge does not modify its inputs', ({ assert }) => {
    const rep = report([...stdio, pfd(17, 'id-pipe')]);
    const before = JSON.stringify([baits, rep]);
    judge(baits, rep, canPass);
    assert.equal(JSON.stringify([baits, rep]), before);
  });
});

test.group('judge: properties', () => {
  test('whatever numbers the launcher moves baits to, each is found where it went; the rest are extra fds', async ({ assert }) => {
    const fc = await import('fast-check');
    assert.doesNotThrow(() => fc.assert(
      fc.property(
        // Distinct child fd numbers >= 3 for up to 8 baits, which of them cross, and unrelated fds.
        fc.uniqueArray(fc.integer({ min: 3, max: 5000 }), { minLength: 12, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 4 }),
        (numbers, crosses, extras) => {
          const planted = numbers.slice(0, 8).map((fd, i) => bait('file', 10_000 + i, `id-${i}`));
          const childFds: ProbeFd[] = [...stdio];
          const where = new Map<string, number>();
          planted.forEach((b, i) => {
            if (!crosses[i]) return;
            const at = numbers[i] as number;
            where.set(b.identity, at);
            childFds.push(pfd(at, b.identity));
          });
          const extraNumbers = numbers.slice(8, 8 + extras);
          for (const fd of extraNumbers) childFds.push(pfd(fd, `other-${fd}`));
          const r = judge(planted, report(childFds), { id: 'p', canPassFds: true });
          for (const v of r.baits) {
            const b = planted.find((x) => x.fd === v.fd);
            const expected = b ? (where.get(b.identity) ?? null) : null;
            if (v.childFd !== expected) return false;
          }
          const extraSeen = r.extraFds.map((e) => e.fd).sort((a, b) => a - b);
          if (JSON.stringify(extraSeen) !== JSON.stringify([...extraNumbers].sort((a, b) => a - b))) return false;
          return r.status === (where.size > 0 || extras > 0 ? 'leak' : 'sealed');
        },
      ),
      { numRuns: 300 },
    ));
  });
});

test.group('judge: skipped baits (kinds refused here)', () => {
  const refused = [{ kind: 'pidfd' as const, reason: 'pidfd_open: ENOSYS (Function not implemented)' }];

  test('listed in catalogue order with the reason, never crossed, and no part of the verdict', ({ assert }) => {
    const r = judge(baits, report([...stdio, pfd(21, 'id-passed')]), canPass, { skippedBaits: refused });
    assert.equal(r.status, 'sealed');
    assert.deepEqual(r.baits.map((b) => b.kind), ['pipe', 'pidfd', 'high-fd', 'cloexec', 'passed']);
    assert.deepEqual(r.baits.find((b) => b.kind === 'pidfd'), {
      kind: 'pidfd', fd: null, expected: 'absent', crossed: false, childFd: null, skipped: true, reason: refused[0]?.reason,
    });
    assert.deepEqual(sealedPolicyFindings(r), []);
    // The judged baits are unchanged by it: a leak is still a leak.
    const leak = judge(baits, report([...stdio, pfd(17, 'id-pipe'), pfd(21, 'id-passed')]), canPass, { skippedBaits: refused });
    assert.equal(leak.status, 'leak');
    assert.deepEqual(sealedPolicyFindings(leak).map((f) => f.bait), ['pipe']);
  });

  test('a skipped bait claims no child fd: an fd with no bait identity is still extra', ({ assert }) => {
    const r = judge(baits, report([...stdio, pfd(21, 'id-passed'), pfd(30, 'someone-else', 'anon_inode:[pidfd]', 'anon')]), canPass, { skippedBaits: refused });
    assert.equal(r.status, 'leak');
    assert.deepEqual(r.extraFds, [{ fd: 30, target: 'anon_inode:[pidfd]', type: 'anon' }]);
    assert.deepInclude(r.baits.find((b) => b.kind === 'pidfd'), { crossed: false, childFd: null });
  });
});

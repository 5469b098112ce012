/**
 * The runner's audit assertions on fixed results: each failing assertion's whole message (launcher,
 * bait, parent and child fd, target, kernel), each next to a passing control on a result that holds.
 */
import { getActiveTestOrFail, test } from '@japa/runner';
import type { Assert } from '@japa/assert';
import type { AuditResult } from '../../../src/audit/types.ts';
import { installAssertions } from '../../../src/runner/assertions.ts';
import { readMark, clearMark } from '../../../src/runner/marks.ts';

installAssertions();

function leaky(): AuditResult {
  return {
    launcher: 'node:spawn',
    kernel: 'host',
    status: 'leak',
    baits: [
      { kind: 'pipe', fd: 17, expected: 'absent', crossed: true, childFd: 17, target: 'pipe:[123]' },
      { kind: 'high-fd', fd: 1500, expected: 'absent', crossed: true, childFd: 1500, target: '/tmp/fdaudit-x/high' },
      { kind: 'cloexec', fd: 20, expected: 'absent', crossed: false, childFd: null, target: '/dev/null' },
      { kind: 'passed', fd: 21, expected: 'present', crossed: true, childFd: 21, target: 'pipe:[124]' },
    ],
    extraFds: [],
    rlimitNofile: { soft: 20000, hard: 20000 },
    signals: { blocked: [], ignored: [] },
    closeStrategy: null,
    error: null,
    durationMs: 0,
  };
}

function sealed(): AuditResult {
  return {
    launcher: 'native',
    kernel: 'host',
    status: 'sealed',
    baits: [
      { kind: 'pipe', fd: 17, expected: 'absent', crossed: false, childFd: null, target: 'pipe:[123]' },
      { kind: 'high-fd', fd: 1500, expected: 'absent', crossed: false, childFd: null, target: '/tmp/fdaudit-x/high' },
      { kind: 'cloexec', fd: 20, expected: 'absent', crossed: false, childFd: null, target: '/dev/null' },
      { kind: 'passed', fd: 21, expected: 'present', crossed: true, childFd: 21, target: 'pipe:[124]' },
    ],
    extraFds: [],
    rlimitNofile: { soft: 1024, hard: 20000 },
    signals: { blocked: [], ignored: [] },
    closeStrategy: 'close_range',
    error: null,
    durationMs: 0,
  };
}

/** The error `fn` throws (the test fails when it throws nothing). */
function failure(assert: Assert, fn: () => void): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  return assert.fail('expected the assertion to fail') as never;
}

test.group('runner assertions: bait findings', () => {
  test('sealed fails on a leak naming launcher, bait, fds, target and kernel; holds on a sealed result', ({ assert }) => {
    const err = failure(assert, () => assert.sealed(leaky()));
    assert.equal(err.name, 'AssertionError');
    assert.equal(
      err.message,
      'node:spawn leaked pipe fd 17 -> child fd 17 (pipe:[123]) [kernel host]; ' +
        'node:spawn leaked high-fd fd 1500 -> child fd 1500 (/tmp/fdaudit-x/high) [kernel host]',
    );
    assert.doesNotThrow(() => assert.sealed(sealed()));
  });

  test('sealed fails on an fd that is no bait, and on a passed bait that did not cross', ({ assert }) => {
    const extra = { ...sealed(), extraFds: [{ fd: 5, target: '/etc/passwd', type: 'file' }] };
    assert.equal(
      failure(assert, () => assert.sealed(extra)).message,
      'native left an fd that is no bait open in the child: fd 5 (/etc/passwd) [kernel host]',
    );
    const r = sealed();
    const passed = r.baits.find((b) => b.kind === 'passed');
    if (passed) Object.assign(passed, { crossed: false, childFd: null });
    assert.equal(
      failure(assert, () => assert.sealed(r)).message,
      'native did not pass passed fd 21 (pipe:[124]) to the child [kernel host]',
    );
  });

  test('notCrossed names the crossing bait; crossed names the one that stayed out', ({ assert }) => {
    assert.equal(
      failure(assert, () => assert.notCrossed(leaky(), 'pipe')).message,
      'node:spawn leaked pipe fd 17 -> child fd 17 (pipe:[123]) [kernel host]',
    );
    assert.doesNotThrow(() => assert.notCrossed(sealed(), 'pipe'));
    assert.doesNotThrow(() => assert.notCrossed(leaky(), 'cloexec'));
    assert.equal(
      failure(assert, () => assert.crossed(sealed(), 'high-fd')).message,
      'native did not pass high-fd fd 1500 (/tmp/fdaudit-x/high) to the child [kernel host]',
    );
    assert.doesNotThrow(() => assert.crossed(leaky(), 'high-fd'));
  });

  test('leaks checks every kind given and lists each one missing', ({ assert }) => {
    assert.doesNotThrow(() => assert.leaks(leaky(), ['pipe', 'high-fd']));
    assert.equal(
      failure(assert, () => assert.leaks(sealed(), ['pipe', 'high-fd'])).message,
      'native did not pass pipe fd 17 (pipe:[123]) to the child [kernel host]; ' +
        'native did not pass high-fd fd 1500 (/tmp/fdaudit-x/high) to the child [kernel host]',
    );
    assert.match(failure(assert, () => assert.leaks(leaky(), ['cloexec'])).message, /^node:spawn did not pass cloexec fd 20/);
  });

  test('baitAsExpected: absent baits stay out, passed crosses', ({ assert }) => {
    assert.doesNotThrow(() => assert.baitAsExpected(sealed(), 'pipe'));
    assert.doesNotThrow(() => assert.baitAsExpected(sealed(), 'passed'));
    assert.equal(
      failure(assert, () => assert.baitAsExpected(leaky(), 'pipe')).message,
      'node:spawn leaked pipe fd 17 -> child fd 17 (pipe:[123]) [kernel host]',
    );
  });

  test('the kernel personality of the result is in the message', ({ assert }) => {
    const r = { ...leaky(), launcher: 'mutant:fd-setsize-fallback', kernel: 'linux-5.8' };
    assert.equal(
      failure(assert, () => assert.notCrossed(r, 'high-fd')).message,
      'mutant:fd-setsize-fallback leaked high-fd fd 1500 -> child fd 1500 (/tmp/fdaudit-x/high) [kernel linux-5.8]',
    );
  });

  test('a bait kind the result does not have fails and lists the kinds it has', ({ assert }) => {
    assert.equal(
      failure(assert, () => assert.notCrossed(sealed(), 'memfd')).message,
      'native result has no memfd bait (baits audited: pipe, high-fd, cloexec, passed) [kernel host]',
    );
  });
});

test.group('runner assertions: limits, signals, status', () => {
  test('softLimitAtMost names the soft limit handed on; holds at 1024', ({ assert }) => {
    assert.equal(
      failure(assert, () => assert.softLimitAtMost(leaky(), 1024)).message,
      'node:spawn hands the child a soft RLIMIT_NOFILE of 20000, above 1024 [kernel host]',
    );
    assert.doesNotThrow(() => assert.softLimitAtMost(sealed()));
    const unlimited = { ...sealed(), rlimitNofile: { soft: 'unlimited' as const, hard: 'unlimited' as const } };
    assert.match(failure(assert, () => assert.softLimitAtMost(unlimited)).message, /soft RLIMIT_NOFILE of unlimited, above 1024/);
  });

  test('signalsClean names ignored and blocked signals; holds when there are none', ({ assert }) => {
    const r = { ...sealed(), launcher: 'ext:mine', signals: { blocked: [], ignored: ['SIGPIPE'] } };
    assert.equal(failure(assert, () => assert.signalsClean(r)).message, 'ext:mine left SIGPIPE ignored [kernel host]');
    const both = { ...r, signals: { blocked: ['SIGUSR1'], ignored: ['SIGPIPE', 'SIGUSR2'] } };
    assert.equal(
      failure(assert, () => assert.signalsClean(both)).message,
      'ext:mine left SIGPIPE, SIGUSR2 ignored and SIGUSR1 blocked [kernel host]',
    );
    assert.doesNotThrow(() => assert.signalsClean(sealed()));
  });

  test('noExtraFds lists the fds; holds with none', ({ assert }) => {
    const r = { ...sealed(), extraFds: [{ fd: 3, target: 'socket:[9]', type: 'socket' }, { fd: 4, target: '/x', type: 'file' }] };
    assert.equal(
      failure(assert, () => assert.noExtraFds(r)).message,
      'native left 2 fds that are no bait open in the child: fd 3 (socket:[9]), fd 4 (/x) [kernel host]',
    );
    assert.doesNotThrow(() => assert.noExtraFds(sealed()));
  });

  test('status compares and explains the difference', ({ assert }) => {
    assert.equal(
      failure(assert, () => assert.status(leaky(), 'sealed')).message,
      'node:spawn is leak, expected sealed [kernel host]: node:spawn leaked pipe fd 17 -> child fd 17 (pipe:[123]) [kernel host]; ' +
        'node:spawn leaked high-fd fd 1500 -> child fd 1500 (/tmp/fdaudit-x/high) [kernel host]',
    );
    assert.doesNotThrow(() => assert.status(leaky(), 'leak'));
    assert.equal(failure(assert, () => assert.status(sealed(), 'leak')).message, 'native is sealed, expected leak [kernel host]');
  });
});

test.group('runner assertions: results without a verdict, bad input', () => {
  test('an error result fails every assertion with its reason, except status error', ({ assert }) => {
    const r: AuditResult = { ...sealed(), status: 'error', baits: [], rlimitNofile: null, signals: null, error: 'the launched process exited with code 127: no such file' };
    const msg = 'native could not be audited: the launched process exited with code 127: no such file [kernel host]';
    assert.equal(failure(assert, () => assert.sealed(r)).message, msg);
    assert.equal(failure(assert, () => assert.notCrossed(r, 'pipe')).message, msg);
    assert.equal(failure(assert, () => assert.signalsClean(r)).message, msg);
    assert.equal(failure(assert, () => assert.softLimitAtMost(r)).message, msg);
    assert.doesNotThrow(() => assert.status(r, 'error'));
  });

  test('a skipped result fails nothing and marks the test skipped with the reason', ({ assert }) => {
    const meta = getActiveTestOrFail().options.meta as Record<string, unknown>;
    const r: AuditResult = { ...sealed(), launcher: 'ext:python-subprocess', status: 'skipped', baits: [], error: 'python3 not found' };
    assert.doesNotThrow(() => assert.sealed(r));
    assert.doesNotThrow(() => assert.notCrossed(r, 'pipe'));
    assert.equal(readMark(meta).skipped, 'ext:python-subprocess was skipped: python3 not found [kernel host]');
    assert.equal(readMark(meta).launcher, 'ext:python-subprocess');
    clearMark(meta);
    // Control: a result with a verdict marks the launcher but not a skip.
    assert.notCrossed(sealed(), 'pipe');
    assert.isUndefined(readMark(meta).skipped);
    assert.equal(readMark(meta).bait, 'pipe');
    clearMark(meta);
  });

  test('a bait refused here marks a bait assertion skipped with the reason; baitSkipped states the refusal', ({ assert }) => {
    const meta = getActiveTestOrFail().options.meta as Record<string, unknown>;
    const r = sealed();
    r.kernel = 'linux-5.2';
    r.baits.push({ kind: 'pidfd', fd: null, expected: 'absent', crossed: false, childFd: null, skipped: true, reason: 'pidfd_open: ENOSYS (Function not implemented)' });
    assert.doesNotThrow(() => assert.notCrossed(r, 'pidfd'));
    assert.equal(readMark(meta).skipped, 'bait pidfd was not opened here: pidfd_open: ENOSYS (Function not implemented) [kernel linux-5.2]');
    clearMark(meta);
    assert.doesNotThrow(() => assert.baitSkipped(r, 'pidfd', /^pidfd_open: ENOSYS/));
    assert.isUndefined(readMark(meta).skipped, 'an expected refusal is a passing assertion, not a skip');
    assert.equal(
      failure(assert, () => assert.baitSkipped(r, 'pidfd', /EPERM/)).message,
      'native: the pidfd bait was skipped for another reason: pidfd_open: ENOSYS (Function not implemented) [kernel linux-5.2]',
    );
    // Control: a bait that opened fails baitSkipped and is judged by the others.
    assert.equal(failure(assert, () => assert.baitSkipped(r, 'pipe')).message, 'native: the pipe bait was opened (fd 17), expected it refused here [kernel linux-5.2]');
    assert.doesNotThrow(() => assert.notCrossed(r, 'pipe'));
    assert.isUndefined(readMark(meta).skipped);
    clearMark(meta);
  });

  test('custom assertions count towards assert.plan', ({ assert }) => {
    assert.plan(3);
    assert.sealed(sealed());
    assert.notCrossed(sealed(), 'pipe');
    assert.softLimitAtMost(sealed(), 1024);
  });

  test('bad arguments are TypeError/RangeError, not assertion failures', ({ assert }) => {
    assert.throws(() => assert.sealed({} as AuditResult), TypeError);
    assert.throws(() => assert.notCrossed(sealed(), 'pipes' as never), /unknown bait kind 'pipes'; valid: file, dir, pipe/);
    assert.throws(() => assert.leaks(sealed(), []), TypeError);
    assert.throws(() => assert.softLimitAtMost(sealed(), -1), RangeError);
    assert.throws(() => assert.status(sealed(), 'fine' as never), /unknown status 'fine'/);
  });
});

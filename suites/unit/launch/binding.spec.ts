/**
 * The addon's own checks on numbers from JavaScript. launchSync/launch
 * validate first (validate.spec.ts), but the binding is called directly by
 * the audit's launchers and the tests: a double that is not a 32-bit
 * integer (NaN, ±1e10, 2^32 + 5) must be a RangeError naming the argument,
 * never cast to some other int (2^32 + 5 would become pid or fd 5). The
 * control beside each: the same call with a good number works.
 */
import { test } from '@japa/runner';
import { binding } from '../../../src/launch/binding.ts';
import type { SpawnRequest } from '../../../src/launch/binding.ts';
import { leftovers, newFds } from './helpers.ts';

const BAD = [Number.NaN, 1e10, -1e10, 2 ** 32 + 5, 1.5, Number.POSITIVE_INFINITY];

function request(over: Partial<SpawnRequest>): SpawnRequest {
  return {
    variant: null, file: '/bin/true', argv: ['true'], envp: '', cwd: null, stdio: [0, 1, 2], keep: [], seal: true,
    strategy: 'auto', rlimit: 'fd-setsize', mask: [], ignore: [], setpgid: false, ...over,
  };
}

function rangeError(assert: { fail(m: string): never }, call: () => unknown): Error {
  try {
    call();
  } catch (e) {
    return e as Error;
  }
  return assert.fail('did not throw');
}

test.group('launch binding: numbers are checked before they are converted', () => {
  for (const bad of BAD) {
    test(`${bad} as a pid, an fd, a pidfd, a stdio/keep fd, a signal, a limit, an errno: RangeError naming it`, ({ assert }) => {
      const b = binding();
      const before = leftovers();
      const cases: Array<[string, () => unknown, RegExp]> = [
        ['waitpid', () => b.waitpid(bad), /^pid must be/],
        ['watch', () => b.watch(bad, () => {}), /^pid must be/],
        ['watch pidfd', () => b.watch(process.pid, () => {}, false, bad), /^pidfd must be/],
        ['fdIsOpen', () => b.fdIsOpen(bad), /^fd must be/],
        ['stdio', () => b.spawn(request({ stdio: [0, bad, 2] })), /^stdio\[1\] must be/],
        ['keep', () => b.spawn(request({ keep: [bad] })), /^keep\[0\] must be/],
        ['signalMask', () => b.spawn(request({ mask: [bad] })), /^signalMask\[0\] must be/],
        ['strerror', () => b.strerror(bad), /^errno must be/],
      ];
      // A limit may be any integer a double holds exactly (-1: unlimited); the others are refused.
      if (!Number.isInteger(bad) || bad < 0) cases.push(['rlimit.soft', () => b.spawn(request({ rlimit: 'explicit', soft: bad })), /^rlimit\.soft must be/]);
      for (const [what, call, names] of cases) {
        const e = rangeError(assert, call);
        assert.equal(e.name, 'RangeError', `${what}: ${e.message}`);
        assert.match(e.message, names, what);
        assert.include(e.message, String(bad), `${what} shows the value`);
      }
      const after = leftovers();
      assert.deepEqual(newFds(before, after), [], 'nothing opened');
      assert.deepEqual(after.zombies, [], 'nothing started');
    });
  }

  test('control: the same calls with good numbers work', ({ assert }) => {
    const b = binding();
    assert.isBoolean(b.fdIsOpen(5));
    assert.isFalse(b.fdIsOpen(2 ** 31 - 1));
    assert.isString(b.strerror(2));
    const out = b.spawn(request({ stdio: [0, 1, 2], keep: [], mask: [10], rlimit: 'explicit', soft: 1000 }));
    assert.equal(out.err, 0);
    assert.equal(out.pidfd, -1, 'no pidfd unless asked');
    assert.deepEqual(b.waitpid(out.pid), { code: 0, signal: 0 });
  });

  test('a pid out of range is refused even where a cast would land on a real process (2^32 + our pid)', ({ assert }) => {
    const e = rangeError(assert, () => binding().waitpid(2 ** 32 + process.pid));
    assert.equal(e.name, 'RangeError');
    assert.match(e.message, /pid must be between 1 and 2147483647/);
  });
});

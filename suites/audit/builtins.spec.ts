/**
 * The verdict of every built-in launcher on every bait kind, on this kernel. The node:* rows state
 * today's behaviour of Node's child_process: when one of them fails, Node changed — the message says so.
 */
import { test } from '@japa/runner';
import { audit } from '../../src/audit/audit.ts';
import type { AuditResult } from '../../src/audit/types.ts';
import { getRlimitNofile } from '../../src/native/fdops.ts';
import { ALL_KINDS, baitOf, byLauncher, describeResult, must } from './helpers.ts';

/** The built-in launchers of DESIGN.md §5 other than the mutants (mutants.spec.ts has those). */
const NON_MUTANTS = ['node:spawn', 'node:spawnSync', 'node:execFile', 'node:exec', 'native', 'native:leak', 'fork', 'posix_spawn', 'ext:python-subprocess', 'ext:sh'];
const NODE = ['node:spawn', 'node:spawnSync', 'node:execFile', 'node:exec'];

let results = new Map<string, AuditResult>();
let parentSoftBefore: number | 'unlimited' = 0;

test.group('audit: built-in launchers on this kernel', (group) => {
  group.setup(async () => {
    parentSoftBefore = getRlimitNofile().soft;
    results = byLauncher(await audit({ launchers: NON_MUTANTS }));
  });

  test('every built-in launcher ran, with a verdict for every bait kind', ({ assert }) => {
    for (const id of NON_MUTANTS) {
      const r = must(results, id);
      if (r.status === 'skipped') continue;
      assert.notEqual(r.status, 'error', describeResult(r));
      assert.deepEqual(r.baits.map((b) => b.kind).sort(), [...ALL_KINDS].sort(), id);
      assert.equal(r.kernel, 'host');
    }
    assert.equal(parentSoftBefore, getRlimitNofile().soft, 'the soft limit is restored after the audit');
  });

  test('native seals every bait, passes `passed` at its number, sets soft 1024, clean signals', ({ assert }) => {
    const r = must(results, 'native');
    assert.equal(r.status, 'sealed', describeResult(r));
    for (const kind of ALL_KINDS) {
      const b = baitOf(r, kind);
      if (kind === 'passed') assert.deepInclude(b, { crossed: true, childFd: b.fd, expected: 'present' }, 'native must pass the kept fd');
      else assert.isFalse(b.crossed, `native leaked ${kind} fd ${b.fd} -> child fd ${b.childFd}`);
    }
    assert.deepEqual(r.extraFds, []);
    assert.equal(r.rlimitNofile?.soft, 1024);
    assert.deepEqual(r.signals, { blocked: [], ignored: [] }, 'native resets the blocked SIGUSR1 and the ignored SIGUSR2/SIGPIPE of the parent');
    assert.equal(r.closeStrategy, 'close_range');
  });

  test('native:leak (seal: false) leaks every non-CLOEXEC bait at its own number', ({ assert }) => {
    const r = must(results, 'native:leak');
    assert.equal(r.status, 'leak');
    for (const kind of ALL_KINDS) {
      const b = baitOf(r, kind);
      if (kind === 'cloexec') assert.isFalse(b.crossed);
      else assert.deepInclude(b, { crossed: true, childFd: b.fd }, `native:leak must leak ${kind}`);
    }
    assert.equal(r.rlimitNofile?.soft, 1024, 'seal: false changes fds only');
    assert.isNull(r.closeStrategy);
  });

  test('fork seals like native', ({ assert }) => {
    const r = must(results, 'fork');
    assert.equal(r.status, 'sealed', describeResult(r));
    assert.isTrue(baitOf(r, 'passed').crossed);
    assert.equal(r.rlimitNofile?.soft, 1024);
    assert.deepEqual(r.signals, { blocked: [], ignored: [] });
  });

  test('posix_spawn with closefrom seals every fd; glibc cannot lower the soft limit', ({ assert }) => {
    const r = must(results, 'posix_spawn');
    assert.equal(r.status, 'sealed', describeResult(r));
    assert.deepInclude(baitOf(r, 'passed'), { crossed: true, expected: 'present' });
    assert.deepEqual(r.signals?.blocked, []);
    // glibc's spawn child sets its own two internal signals to SIG_IGN (they are not in the SETSIGDEF
    // set, since sigfillset leaves them out), and SIG_IGN survives execve.
    assert.sameMembers(r.signals?.ignored ?? [], ['SIG32', 'SIG33'], 'glibc posix_spawn changed what it leaves ignored');
    // The parent's soft limit (lowered to the above-soft-limit bait's number while the launch runs) crosses.
    assert.equal(r.rlimitNofile?.soft, must(results, 'ext:sh').rlimitNofile?.soft);
    assert.notEqual(r.rlimitNofile?.soft, 1024);
  });

  for (const id of NODE) {
    test(`${id} leaks every non-CLOEXEC bait and hands on Node's raised soft limit (Node's behaviour today)`, ({ assert }) => {
      const r = must(results, id);
      assert.equal(r.status, 'leak', describeResult(r));
      for (const kind of ALL_KINDS) {
        const b = baitOf(r, kind);
        if (kind === 'cloexec') {
          assert.isFalse(b.crossed, `${id} passed the CLOEXEC control: the kernel or libuv changed`);
        } else {
          assert.isTrue(
            b.crossed,
            `${id} no longer passes the non-CLOEXEC ${kind} bait (fd ${b.fd}): Node's child_process changed (it now closes inherited fds); update this baseline`,
          );
          assert.equal(b.childFd, b.fd, `${id} moved ${kind}`);
        }
      }
      const soft = r.rlimitNofile?.soft;
      assert.isTrue(soft === 'unlimited' || (typeof soft === 'number' && soft > 1024),
        `${id} gave the child soft RLIMIT_NOFILE ${soft}: Node's child_process now resets the limit it raised; update this baseline`);
      assert.equal(soft, must(results, 'ext:sh').rlimitNofile?.soft, 'the child gets exactly the soft limit in force in the parent');
      // libuv resets every disposition and empties the mask in the child.
      assert.deepEqual(r.signals, { blocked: [], ignored: [] }, `${id}: libuv's signal reset in the child changed`);
    });
  }

  test('node:spawn and node:spawnSync pass `passed` on purpose; execFile/exec cannot (it crosses anyway, as a leak)', ({ assert }) => {
    for (const id of ['node:spawn', 'node:spawnSync']) assert.equal(baitOf(must(results, id), 'passed').expected, 'present', id);
    for (const id of ['node:execFile', 'node:exec']) {
      const b = baitOf(must(results, id), 'passed');
      assert.deepInclude(b, { expected: 'absent', crossed: true }, id);
    }
  });

  test('ext:python-subprocess seals (close_fds=True); it keeps the blocked mask and non-default ignores', ({ assert }) => {
    const r = must(results, 'ext:python-subprocess');
    if (r.status === 'skipped') {
      assert.match(r.error ?? '', /python3/);
      return;
    }
    assert.equal(r.status, 'sealed', describeResult(r));
    for (const b of r.baits) assert.isFalse(b.crossed, `python leaked ${b.kind}`);
    // Started with the parent's state: SIGUSR1 blocked, SIGUSR2 and SIGPIPE ignored. restore_signals resets SIGPIPE only.
    assert.include(r.signals?.blocked ?? [], 'SIGUSR1');
    assert.include(r.signals?.ignored ?? [], 'SIGUSR2');
    assert.notInclude(r.signals?.ignored ?? [], 'SIGPIPE');
  });

  test('ext:sh (exec "$@") passes on everything it was given, and the parent\'s signal state', ({ assert }) => {
    const r = must(results, 'ext:sh');
    assert.equal(r.status, 'leak');
    for (const kind of ALL_KINDS) assert.equal(baitOf(r, kind).crossed, kind !== 'cloexec', `ext:sh ${kind}`);
    assert.include(r.signals?.blocked ?? [], 'SIGUSR1');
    assert.includeMembers(r.signals?.ignored ?? [], ['SIGPIPE', 'SIGUSR2']);
  });

  test('cloexec crosses nowhere; passed crosses wherever the launcher can pass fds', ({ assert }) => {
    let checked = 0;
    for (const r of results.values()) {
      if (r.status === 'skipped' || r.status === 'error') continue;
      assert.isFalse(baitOf(r, 'cloexec').crossed, `${r.launcher} passed the CLOEXEC control`);
      const passed = baitOf(r, 'passed');
      if (passed.expected === 'present') assert.isTrue(passed.crossed, `${r.launcher} did not pass the kept fd`);
      checked++;
    }
    assert.isAtLeast(checked, NON_MUTANTS.length - 1);
  });
});

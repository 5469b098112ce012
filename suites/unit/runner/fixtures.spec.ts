/**
 * The runner's fixtures in a real japa test context: `baits` opens fds that are gone after the test,
 * `audit` launches once per launcher and bait selection and shares the result, a launcher outside the
 * run's selection is a skipped result that launched nothing.
 */
import { test } from '@japa/runner';
import { isOpen } from '../../../src/native/fdops.ts';
import { runState } from '../../../src/runner/index.ts';

let baitFds: number[] = [];

test.group('runner fixtures: baits', () => {
  test('baits(kinds) opens the kinds asked for in this process', ({ baits, assert }) => {
    const set = baits(['pipe', 'eventfd']);
    assert.deepEqual(set.baits.map((b) => b.kind), ['pipe', 'eventfd']);
    baitFds = set.baits.map((b) => b.fd);
    for (const fd of baitFds) assert.isTrue(isOpen(fd), `bait fd ${fd} is open during the test`);
  });

  test('… and closes them when that test ends', ({ assert }) => {
    assert.lengthOf(baitFds, 2);
    for (const fd of baitFds) assert.isFalse(isOpen(fd), `bait fd ${fd} was closed after its test`);
  });
});

test.group('runner fixtures: audit', () => {
  test('one launch per launcher and bait selection; fresh launches again', async ({ audit, assert, kernel }) => {
    assert.equal(kernel, runState().options.kernel);
    const before = runState().results.length;
    const a = await audit('node:spawn', { baits: ['pipe', 'cloexec'] });
    const b = await audit('node:spawn', { baits: ['cloexec', 'pipe'] });
    assert.strictEqual(a, b, 'the same result object: launched once');
    assert.equal(runState().results.length, before + 1);
    assert.deepEqual(a.baits.map((x) => x.kind), ['pipe', 'cloexec']);
    assert.crossed(a, 'pipe');
    assert.notCrossed(a, 'cloexec');
    const c = await audit('node:spawn', { baits: ['pipe', 'cloexec'], fresh: true });
    assert.notStrictEqual(c, a, 'fresh: a new launch');
    assert.equal(runState().results.length, before + 2);
  });

  test('a launcher outside the --launcher selection is skipped without a launch; unknown ids throw', async ({ audit, assert }) => {
    const opts = runState().options;
    const saved = opts.launchers;
    const before = runState().results.length;
    opts.launchers = ['native'];
    try {
      const r = await audit('node:exec');
      assert.equal(r.status, 'skipped');
      assert.equal(r.error, "not in this run's --launcher selection (native)");
      assert.equal(runState().results.length, before, 'nothing launched, nothing reported');
    } finally {
      opts.launchers = saved;
    }
    await assert.rejects(() => audit('no-such-launcher'), /unknown launcher 'no-such-launcher'; valid: node:spawn/);
    await assert.rejects(() => audit('node:spawn', { baits: ['pipes' as never] }), /unknown bait kind 'pipes'/);
  });
});

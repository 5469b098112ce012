/**
 * A full fd table: every number below the soft limit open in the parent.
 * Every strategy launches an identity plan (the default stdio) without
 * needing a free fd number: a source already in its slot only loses
 * CLOEXEC. A plan that moves its sources makes room by closing, in the
 * child, one fd the seal closes anyway; unsealed, it has nothing to spare
 * and fails with EMFILE at fcntl (a LaunchError naming the step). The child
 * of each sealed launch sees exactly 0, 1, 2, under kernel personalities
 * too. launch() has no number for a pidfd nor for libuv's signal pipe there,
 * and still reports the exit (by its periodic look).
 */
import type { Assert } from '@japa/assert';
import { test } from '@japa/runner';
import { CLOSE_STRATEGIES } from '../../../src/launch/types.ts';
import type { EdgeJob, EdgeResult } from './edge.fixture.ts';
import { fdNumbers, hostAllows, runEdge, underKernel } from './helpers.ts';

const SOFT = 1500;
const STRATEGIES = ['auto', ...CLOSE_STRATEGIES] as const;

const job: EdgeJob = {
  fillTableTo: SOFT,
  launches: [
    ...STRATEGIES.map((s) => ({ options: { closeStrategy: s } })),
    // Slot 0 from 2 and slot 2 from 0: both sources move first.
    { options: { stdio: [2, 1, 0], closeStrategy: 'poll' as const } },
    { options: { stdio: [2, 1, 0] } },
    { file: '/bin/true', options: { stdio: [2, 1, 0], seal: false } },
    // launch(): no number is free for a pidfd nor for libuv's signal pipe; the exit is still seen.
    { file: '/bin/sh', args: ['-c', 'exit 7'], async: true },
  ],
};

function check(assert: Assert, r: EdgeResult, refused: string[]): void {
  assert.isAbove(r.filled!.count, SOFT - 100, 'the table was filled');
  assert.equal(r.filled!.then, 'EMFILE', 'up to the soft limit');
  STRATEGIES.forEach((s, i) => {
    const o = r.launches[i]!;
    if (refused.includes(s)) {
      assert.equal(o.error?.name, 'LaunchError', `${s} is refused here`);
      return;
    }
    assert.isUndefined(o.error, `${s}: ${o.error?.message}`);
    assert.deepEqual(fdNumbers(o.seen!), [0, 1, 2], `${s}: sealed`);
  });
  const [movedPoll, movedAuto, unsealed, async] = r.launches.slice(STRATEGIES.length);
  assert.deepEqual(async?.ok && [async.ok.code, async.ok.signal], [7, null], `launch() from a full table: ${async?.error?.message}`);
  for (const [name, o] of [['poll', movedPoll], ['auto', movedAuto]] as const) {
    assert.isUndefined(o?.error, `moving plan, ${name}: ${o?.error?.message}`);
    const ids = new Map(o!.seen!.fds.map((f) => [f.fd, `${f.dev}:${f.ino}`]));
    assert.deepEqual(fdNumbers(o!.seen!), [0, 1, 2]);
    assert.notEqual(ids.get(0), ids.get(1), `moving plan, ${name}: slot 0 is the parent's 2, not its 1`);
  }
  assert.equal(unsealed?.error?.name, 'LaunchError');
  assert.equal(unsealed?.error?.code, 'EMFILE');
  assert.equal(unsealed?.error?.syscall, 'fcntl');
  assert.deepEqual(r.newFds, [], `nothing left open: ${r.newFdTargets.join(', ')}`);
  if (r.zombies !== null) assert.deepEqual(r.zombies, []);
}

test.group('launch from a full fd table', () => {
  test(`every number below a soft limit of ${SOFT} open: every strategy launches; a moving plan makes room; unsealed it is EMFILE`, ({ assert }) => {
    const refused = [...(hostAllows.closeRange() ? [] : ['close_range']), ...(hostAllows.proc() ? [] : ['proc'])];
    check(assert, runEdge(job), refused);
  }).timeout(120_000);

  for (const kernel of ['linux-5.8', 'linux-5.8+no-proc']) {
    test(`the same under ${kernel}`, ({ assert }) => {
      check(assert, runEdge(job, underKernel(kernel)), kernel.includes('no-proc') ? ['close_range', 'proc'] : ['close_range']);
    }).timeout(120_000);
  }
});

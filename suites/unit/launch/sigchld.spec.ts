/**
 * SIGCHLD ignored in the parent: the kernel reaps a child at once when it
 * exits and keeps no status. launch() must still settle — never hang, never
 * leave a zombie or a pidfd — through the pidfd the core hands back and
 * through the SIGCHLD fallback. The control beside each: the same launches
 * with SIGCHLD at its default report the real exit status.
 *
 * Each run is a fresh Node process (edge.fixture.ts): ignoring SIGCHLD in
 * the test process would take it from child_process.
 */
import type { Assert } from '@japa/assert';
import { test } from '@japa/runner';
import type { EdgeJob, EdgeLaunch, EdgeResult } from './edge.fixture.ts';
import { hostAllows, runEdge, underKernel } from './helpers.ts';

/** Exits 3 only once its watch runs (stdin reaches EOF then); exits 5 at once, racing the watch. */
const exit3: EdgeLaunch = { file: '/bin/sh', args: ['-c', 'read x; exit 3'], async: true, releaseByPipe: true };
const exit5: EdgeLaunch = { file: '/bin/sh', args: ['-c', 'exit 5'], async: true };

const byPidfd = (ignoreSigchld: boolean): EdgeJob => ({
  ignoreSigchld,
  launches: [{ ...exit3, watch: 'pidfd' }, { ...exit3 }, { ...exit5, watch: 'pidfd' }, { ...exit5 }],
});

const bySignal = (ignoreSigchld: boolean, holdChildProcess: boolean): EdgeJob => ({
  ignoreSigchld,
  holdChildProcess,
  launches: [{ ...exit3, watch: 'sigchld' }, { ...exit5, watch: 'sigchld' }],
});

function status(r: EdgeResult, i: number): [number | null, string | null] | string {
  const o = r.launches[i];
  return o?.ok ? [o.ok.code, o.ok.signal] : `error: ${o?.error?.message}`;
}

function assertNothingLeft(assert: Assert, r: EdgeResult): void {
  assert.deepEqual(r.newFds, [], `no pidfd or pipe left open: ${r.newFdTargets.join(', ')}`);
  if (r.zombies !== null) assert.deepEqual(r.zombies, [], 'no zombie');
}

const LOST = [null, null];

test.group('launch() with SIGCHLD ignored in the parent', () => {
  test('through the pidfd (launch() and the addon alike): settles, the status lost to the kernel', ({ assert }) => {
    const r = runEdge(byPidfd(true));
    assert.equal(r.launches[0]?.ok?.watchedBy, hostAllows.pidfd() ? 'pidfd' : 'sigchld');
    for (const i of [0, 1, 2, 3]) {
      const s = status(r, i);
      // Without pidfds here (a personality the whole suite runs under) the fallback may report the real status.
      if (hostAllows.pidfd()) assert.deepEqual(s, LOST, `launch ${i}`);
      else assert.isTrue(Array.isArray(s), `launch ${i} settled: ${JSON.stringify(s)}`);
    }
    assert.equal(r.sigchldAfter, 'ignore', 'a pidfd watch leaves the disposition alone');
    assertNothingLeft(assert, r);
  }).timeout(120_000);

  test('control: SIGCHLD at its default, the pidfd watch reports the real status', ({ assert }) => {
    const r = runEdge(byPidfd(false));
    assert.deepEqual([0, 1, 2, 3].map((i) => status(r, i)), [[3, null], [3, null], [5, null], [5, null]]);
    assertNothingLeft(assert, r);
  }).timeout(120_000);

  test('through the SIGCHLD fallback, SIG_IGN set behind libuv (child_process in use): settles, status lost', ({ assert }) => {
    // libuv already holds SIGCHLD for child_process, so starting the fallback installs no handler and no
    // SIGCHLD ever comes: the exit is noticed by the fallback's periodic look.
    const r = runEdge(bySignal(true, true));
    assert.equal(r.launches[0]?.ok?.watchedBy, 'sigchld');
    assert.deepEqual(status(r, 0), LOST);
    assert.deepEqual(status(r, 1), LOST);
    assertNothingLeft(assert, r);
  }).timeout(120_000);

  test('through the SIGCHLD fallback alone: settles (libuv may take SIGCHLD over, then the status is real)', ({ assert }) => {
    const r = runEdge(bySignal(true, false));
    for (const [i, code] of [[0, 3], [1, 5]] as const) {
      const s = status(r, i);
      assert.isTrue(Array.isArray(s) && (s[0] === code || (s[0] === null && s[1] === null)), `launch ${i}: ${JSON.stringify(s)}`);
    }
    assertNothingLeft(assert, r);
  }).timeout(120_000);

  test('control: SIGCHLD at its default, the fallback reports the real status, with child_process in use or not', ({ assert }) => {
    for (const hold of [true, false]) {
      const r = runEdge(bySignal(false, hold));
      assert.deepEqual([status(r, 0), status(r, 1)], [[3, null], [5, null]], `child_process in use: ${hold}`);
      assertNothingLeft(assert, r);
    }
  }).timeout(120_000);

  test('under linux-5.2 (no pidfd_open; the pidfd comes from clone with the pid): every watch settles', ({ assert }) => {
    const r = runEdge({ ...byPidfd(true), holdChildProcess: true, launches: [...byPidfd(true).launches, ...bySignal(true, true).launches] },
      underKernel('linux-5.2'));
    for (const i of [0, 1, 2, 3, 4, 5]) assert.isTrue(Array.isArray(status(r, i)), `launch ${i}: ${JSON.stringify(status(r, i))}`);
    assertNothingLeft(assert, r);
  }).timeout(120_000);
});

/**
 * Fd plans: each child slot holds exactly the file the plan names, whatever
 * collides with what. Runs in a fixture process whose 0, 1 and 2 are three
 * distinct pipes, so a slot mix-up shows as a wrong identity.
 */
import { Worker } from 'node:worker_threads';
import { test } from '@japa/runner';
import { launchSync } from '../../../src/launch/index.ts';
import { childIdentity, fdNumbers, runFixture } from './helpers.ts';

test.group('launch fd plans', () => {
  test('the default plan passes the parent 0, 1, 2 as they are', ({ assert }) => {
    const r = runFixture({ launches: [{ options: {} }] });
    const seen = r.launches[0]?.seen;
    assert.isDefined(seen);
    assert.deepEqual(fdNumbers(seen!), [0, 1, 2]);
    for (const fd of [0, 1, 2]) assert.equal(childIdentity(seen!, fd), r.parent[fd], `slot ${fd}`);
    // The three are distinct, so the checks above could tell a mix-up.
    assert.equal(new Set([r.parent[0], r.parent[1], r.parent[2]]).size, 3);
  });

  test('swaps [2, 1, 0] and [1, 0, 2] land every source in its slot', ({ assert }) => {
    const r = runFixture({ launches: [{ options: { stdio: [2, 1, 0] } }, { options: { stdio: [1, 0, 2] } }] });
    const [a, b] = r.launches.map((l) => l.seen);
    assert.deepEqual(fdNumbers(a!), [0, 1, 2]);
    assert.equal(childIdentity(a!, 0), r.parent[2]);
    assert.equal(childIdentity(a!, 1), r.parent[1]);
    assert.equal(childIdentity(a!, 2), r.parent[0]);
    assert.deepEqual(fdNumbers(b!), [0, 1, 2]);
    assert.equal(childIdentity(b!, 0), r.parent[1]);
    assert.equal(childIdentity(b!, 1), r.parent[0]);
    assert.equal(childIdentity(b!, 2), r.parent[2]);
  });

  test('parent stdin closed, plan [null, X, 2] with X at fd 0 (flaw F1)', ({ assert }) => {
    const r = runFixture({ closeStdinForPipe: true, launches: [{ options: { stdio: [null, 0, 2] } }] });
    const launch = r.launches[0]!;
    assert.isUndefined(launch.error, launch.error?.message);
    assert.deepEqual(fdNumbers(launch.seen!), [1, 2]);
    assert.equal(childIdentity(launch.seen!, 1), r.parent[0], 'slot 1 holds the pipe that sat at 0');
    assert.equal(childIdentity(launch.seen!, 2), r.parent[2]);
  });

  test('a closed slot that is already closed is not an error (flaw F2)', ({ assert }) => {
    const r = runFixture({ closeStdinForPipe: true, launches: [{ options: { stdio: [null, 1, 2, null] } }] });
    assert.isUndefined(r.launches[0]!.error);
    assert.deepEqual(fdNumbers(r.launches[0]!.seen!), [1, 2]);
  });

  test('one source fills several slots', ({ assert }) => {
    const r = runFixture({ launches: [{ options: { stdio: [1, 1, 1, 1] } }] });
    const seen = r.launches[0]!.seen!;
    assert.deepEqual(fdNumbers(seen), [0, 1, 2, 3]);
    for (const fd of [0, 1, 2, 3]) assert.equal(childIdentity(seen, fd), r.parent[1], `slot ${fd}`);
  });

  test('keep lists with gaps pass exactly those fds, at their numbers', ({ assert }) => {
    const r = runFixture({ openAt: [40, 41, 70, 100], launches: [{ options: { keep: [100, 40, 70] } }] });
    const seen = r.launches[0]!.seen!;
    assert.deepEqual(fdNumbers(seen), [0, 1, 2, 40, 70, 100], '41 is not kept, so it is sealed');
    for (const fd of [40, 70, 100]) assert.equal(childIdentity(seen, fd), r.parent[fd]);
    assert.isFalse(seen.fds.some((f) => f.cloexec), 'nothing CLOEXEC survives execve anyway');
  });

  test('a CLOEXEC source crosses when kept, and when mapped (also into its own slot)', ({ assert }) => {
    const r = runFixture({
      openAt: [50, 60],
      cloexec: [2, 50, 60],
      launches: [{ options: { keep: [50] } }, { options: { stdio: [0, 60, 2] } }, { options: {} }],
    });
    const [kept, mapped, own] = r.launches.map((l) => l.seen!);
    assert.deepEqual(fdNumbers(kept!), [0, 1, 2, 50]);
    assert.equal(childIdentity(kept!, 50), r.parent[50]);
    assert.deepEqual(fdNumbers(mapped!), [0, 1, 2]);
    assert.equal(childIdentity(mapped!, 1), r.parent[60]);
    // fd 2 is CLOEXEC in the parent and stays in slot 2: dup2(2, 2) alone would lose it.
    assert.deepEqual(fdNumbers(own!), [0, 1, 2]);
    assert.equal(childIdentity(own!, 2), r.parent[2]);
  });

  test('control: without the fixture pipes the identities would differ', ({ assert }) => {
    // Negative control for the identity checks: slot 0 does not hold fd 1's pipe.
    const r = runFixture({ launches: [{ options: {} }] });
    assert.notEqual(childIdentity(r.launches[0]!.seen!, 0), r.parent[1]);
  });
});

test.group('launch options reach the child', () => {
  const check = 'test "$FOO" = "$1" && test "$(pwd)" = "$2"';

  test('argv0, env and cwd are what the child sees; a mismatch is seen too (the control)', ({ assert }) => {
    const opts = { env: { FOO: 'bar', PATH: '/usr/bin:/bin' }, cwd: '/tmp' };
    assert.equal(launchSync('/bin/sh', ['-c', check, 'sh', 'bar', '/tmp'], opts).code, 0);
    assert.equal(launchSync('/bin/sh', ['-c', check, 'sh', 'baz', '/tmp'], opts).code, 1);
    assert.equal(launchSync('/bin/sh', ['-c', check, 'sh', 'bar', '/'], opts).code, 1);
    const argv0 = 'process.exit(process.argv0 === "custom-name" ? 0 : 1)';
    assert.equal(launchSync(process.execPath, ['-e', argv0], { argv0: 'custom-name' }).code, 0);
    assert.equal(launchSync(process.execPath, ['-e', argv0]).code, 1);
  });

  test("the caller's stdio and keep arrays are read, never rewritten (flaw F7)", ({ assert }) => {
    const stdio = Object.freeze([2, 1, 0]);
    const keep = Object.freeze([] as number[]);
    const options = Object.freeze({ stdio, keep });
    assert.equal(launchSync('/bin/true', [], options).code, 0);
    assert.deepEqual([...stdio], [2, 1, 0]);
  });
});

test.group('launch default environment', () => {
  // Exit 0 when the variable's value (or "unset") is $1: the child's own view of its environment.
  const seen = (value: string): number | null =>
    launchSync('/bin/sh', ['-c', 'test "${FDAUDIT_ENV_PROBE-unset}" = "$1"', 'sh', value]).code;

  test('without options.env the child sees process.env as it is at the launch', ({ assert }) => {
    delete process.env.FDAUDIT_ENV_PROBE;
    try {
      assert.equal(seen('unset'), 0);
      process.env.FDAUDIT_ENV_PROBE = 'one';
      assert.equal(seen('one'), 0);
      assert.equal(seen('unset'), 1, 'control: the variable is there, so "unset" must not match');
      process.env.FDAUDIT_ENV_PROBE = 'two';
      assert.equal(seen('two'), 0, 'a changed value reaches the next child');
      assert.equal(seen('one'), 1, 'control: the old value is gone');
      delete process.env.FDAUDIT_ENV_PROBE;
      assert.equal(seen('unset'), 0, 'a deleted variable does not reach the child');
      assert.equal(seen('two'), 1, 'control: the deleted value is gone');
    } finally {
      delete process.env.FDAUDIT_ENV_PROBE;
    }
  });

  test('an explicit env is exactly what the child gets: every entry whole, undefined ones left out', ({ assert }) => {
    // The child compares its whole environment with argv[1], so a split or merged entry shows.
    const check = 'process.exit(JSON.stringify(Object.entries(process.env)) === process.argv[1] ? 0 : 1)';
    const env = { A: '1', B: 'x=y', C: undefined, EMPTY: '', 'K.2': 'a b\tc' };
    const want = [['A', '1'], ['B', 'x=y'], ['EMPTY', ''], ['K.2', 'a b\tc']];
    assert.equal(launchSync(process.execPath, ['-e', check, JSON.stringify(want)], { env }).code, 0);
    assert.equal(launchSync(process.execPath, ['-e', check, JSON.stringify([])], { env: {} }).code, 0, 'an empty env is empty');
    assert.equal(launchSync(process.execPath, ['-e', check, JSON.stringify(want.slice(1))], { env }).code, 1, 'control: a missing entry is seen');
  });

  test("a worker thread's own process.env reaches its children, and not the main thread's", async ({ assert }) => {
    // A worker's process.env is a private copy: what it sets there is not in the C environ.
    const api = import.meta.resolve('tsx/esm/api');
    const mod = import.meta.resolve('../../../src/launch/index.ts');
    const boot = `const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(mod)}); }).then(({ launchSync }) => {
        process.env.FDAUDIT_ENV_PROBE = 'worker';
        const run = (v) => launchSync('/bin/sh', ['-c', 'test "\${FDAUDIT_ENV_PROBE-unset}" = "$1"', 'sh', v]).code;
        parentPort.postMessage([run('worker'), run('unset')]);
      });`;
    delete process.env.FDAUDIT_ENV_PROBE;
    const w = new Worker(boot, { eval: true });
    const codes = await new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    // Gone before the test ends: its event loop's fds are not this file's leftovers.
    await w.terminate();
    assert.deepEqual(codes, [0, 1]);
    assert.isUndefined(process.env.FDAUDIT_ENV_PROBE);
    assert.equal(seen('unset'), 0, 'the main thread does not see the worker\'s variable');
  }).timeout(60_000);
});

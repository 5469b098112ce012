/**
 * Launch time and the per-launch timeout. Every result carries durationMs. A launcher that sweeps
 * every fd number up to its soft limit (a close() per number, as Bun's fallback and naive launchers
 * do) takes minutes under huge-nofile: it ends at the timeout as `error` naming it, its process group
 * killed, and the run goes on. So does a launch that blocks this thread (a synchronous spawn, a
 * vfork-style launch whose child sweeps before execve), where no timer of this thread can fire.
 */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { audit } from '../../../src/audit/audit.ts';
import type { Launcher } from '../../../src/launchers/types.ts';
import { kernelAvailability, wrapArgv } from '../../../src/kernels/wrapper.ts';
import type { KernelId } from '../../../src/kernels/types.ts';
import { children } from './children.ts';

const FIXTURE = fileURLToPath(new URL('./timeout.fixture.ts', import.meta.url));

interface FixtureOutput {
  results: { launcher: string; status: string; error: string | null; durationMs: number }[];
  left: { live: number[]; zombies: number[] };
}

function runFixture(kernel: KernelId, timeoutMs: number): FixtureOutput {
  const [file, ...args] = wrapArgv(kernel, [process.execPath, '--import', 'tsx', FIXTURE, String(timeoutMs)]) as [string, ...string[]];
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`the fixture exited ${r.status ?? r.signal} under ${kernel}: ${r.stderr}`);
  return JSON.parse(r.stdout) as FixtureOutput;
}

/**
 * A launcher that blocks this thread until its child exits, as a synchronous spawn (or a vfork whose
 * child has not reached execve yet) does: `sleep 60` through child_process.spawnSync, no timeout of its own.
 */
const blocking: Launcher = {
  id: 'ext:blocking',
  description: 'spawnSync of sleep 60',
  kind: 'external',
  canPassFds: false,
  unavailable: async () => null,
  run: async () => {
    const r = spawnSync('sleep', ['60']);
    return { code: r.status, signal: r.signal, closeStrategy: null };
  },
};

/** A launcher that holds this thread for `ms` without starting anything (a scan before the fork), then reports success. */
function stalling(ms: number): Launcher {
  return {
    id: `ext:stall-${ms}`,
    description: `blocks the launching thread for ${ms} ms`,
    kind: 'external',
    canPassFds: false,
    unavailable: async () => null,
    run: async () => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      return { code: 0, signal: null, closeStrategy: null };
    },
  };
}

test.group('audit engine: launch time and the per-launch timeout', () => {
  test('every result carries durationMs: a launch\'s own time, 0 when nothing was launched', async ({ assert }) => {
    const [native, skipped] = await audit({
      launchers: ['native', { id: 'ext:never', description: 'not here', kind: 'external', canPassFds: false,
        unavailable: async () => 'not available on purpose', run: () => Promise.reject(new Error('must not run')) }],
      baits: ['pipe'],
    });
    assert.equal(native?.status, 'sealed');
    assert.isAbove(native?.durationMs ?? 0, 0);
    assert.equal(skipped?.status, 'skipped');
    assert.strictEqual(skipped?.durationMs, 0);
  });

  test('a launch that blocks this thread past the timeout is killed by the deadline and ends as error naming it', async ({ assert }) => {
    const before = children();
    const [blocked, native] = await audit({ launchers: [blocking, 'native'], baits: ['pipe'], timeoutMs: 1500 });
    assert.equal(blocked?.status, 'error');
    assert.equal(blocked?.error, 'ext:blocking did not finish within 1500 ms; its process group was killed');
    // The deadline ended it, not the sleep: at least the timeout, far less than the minute.
    assert.isAtLeast(blocked?.durationMs ?? 0, 1500);
    assert.isBelow(blocked?.durationMs ?? 0, 60_000);
    // The run went on: the next launcher was audited as usual.
    assert.equal(native?.status, 'sealed');
    const after = children();
    assert.deepEqual(after.live.filter((p) => !before.live.includes(p)), [], 'the sleep was killed');
    assert.deepEqual(after.zombies, [], 'and reaped');
  });

  test('a launch that blocks this thread past the timeout with nothing to kill still ends as error naming it', async ({ assert }) => {
    const [stalled, quick] = await audit({ launchers: [stalling(2500), stalling(10)], baits: ['pipe'], timeoutMs: 1000 });
    assert.equal(stalled?.status, 'error');
    assert.match(stalled?.error ?? '', /^ext:stall-2500 did not finish within 1000 ms; it took \d+ ms, blocking the launching thread/);
    assert.isAtLeast(stalled?.durationMs ?? 0, 2500);
    // Control: within the timeout the same launcher is judged on what it did (here: no probe report).
    assert.equal(quick?.status, 'error');
    assert.match(quick?.error ?? '', /^no usable probe report/);
  });

  test('a naive launcher sweeping to a 2^30 soft limit ends at the timeout; the run goes on; nothing is left', ({ assert }) => {
    const out = runFixture('huge-nofile', 1500);
    const [sweep, native] = out.results;
    assert.equal(sweep?.status, 'error');
    assert.equal(sweep?.error, 'ext:sweep did not finish within 1500 ms; its process group was killed');
    assert.isAtLeast(sweep?.durationMs ?? 0, 1500);
    assert.equal(native?.status, 'sealed');
    assert.deepEqual(out.left, { live: [], zombies: [] }, 'no child of the launches is left, alive or unreaped');
  }).skip(() => kernelAvailability('huge-nofile') !== null, 'the huge-nofile personality cannot be applied here (`fdaudit kernels huge-nofile` says why)');

  test('control: on the host the same naive launcher (20,000 numbers) seals within the same timeout', ({ assert }) => {
    const out = runFixture('host', 1500);
    assert.deepInclude(out.results[0], { status: 'sealed', error: null });
    assert.equal(out.results[1]?.status, 'sealed');
    assert.deepEqual(out.left, { live: [], zombies: [] });
  });
});

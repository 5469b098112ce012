/**
 * Launch time and the per-launch timeout. Every result carries durationMs. A launcher that sweeps
 * every fd number up to a huge RLIMIT_NOFILE (the sealed launcher forced to its `loop` strategy
 * under huge-nofile: a close() per number up to 2^30) blocks the launching thread inside vfork;
 * the engine's deadline still ends it at the timeout, as `error` naming the timeout, and the run
 * goes on to the next launcher.
 */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { audit } from '../../../src/audit/audit.ts';
import { kernelAvailability, wrapArgv } from '../../../src/kernels/wrapper.ts';
import type { KernelId } from '../../../src/kernels/types.ts';

const FIXTURE = fileURLToPath(new URL('./timeout.fixture.ts', import.meta.url));

interface FixtureOutput {
  results: { launcher: string; status: string; error: string | null; durationMs: number; closeStrategy: string | null }[];
  left: { live: number[]; zombies: number[] };
}

function runFixture(kernel: KernelId, timeoutMs: number, strategies: string[]): FixtureOutput {
  const [file, ...args] = wrapArgv(kernel, [process.execPath, '--import', 'tsx', FIXTURE, String(timeoutMs), ...strategies]) as [string, ...string[]];
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`the fixture exited ${r.status ?? r.signal} under ${kernel}: ${r.stderr}`);
  return JSON.parse(r.stdout) as FixtureOutput;
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

  test('a launch blocked in vfork past the timeout ends as error naming it; the run goes on; nothing is left', ({ assert }) => {
    // 1500 ms: the loop to 2^30 takes minutes; close_range, poll to the fd table, and auto take ms.
    const out = runFixture('huge-nofile', 1500, ['loop', 'close_range', 'auto']);
    const [loop, closeRange, auto] = out.results;
    assert.equal(loop?.status, 'error');
    assert.equal(loop?.error, 'native/loop did not finish within 1500 ms; its process group was killed');
    // The deadline ends it, not the sweep: the launch took at least the timeout.
    assert.isAtLeast(loop?.durationMs ?? 0, 1500);
    // Control in the same run, after it: the same launcher without the sweep seals.
    assert.deepInclude(closeRange, { status: 'sealed', closeStrategy: 'close_range' });
    assert.deepInclude(auto, { status: 'sealed', closeStrategy: 'close_range' });
    assert.deepEqual(out.left, { live: [], zombies: [] }, 'no child of the launches is left, alive or unreaped');
  }).skip(() => kernelAvailability('huge-nofile') !== null, 'the huge-nofile personality cannot be applied here (`fdaudit kernels huge-nofile` says why)');

  test('control: on the host the same forced loop ends well within the same timeout and seals', ({ assert }) => {
    // The hard limit here bounds the loop (20000 numbers): the timeout above is the huge limit's doing.
    const out = runFixture('host', 1500, ['loop']);
    assert.deepInclude(out.results[0], { status: 'sealed', closeStrategy: 'loop', error: null });
    assert.deepEqual(out.left, { live: [], zombies: [] });
  });
});

/**
 * launch(): exit codes and signal names through a pidfd on the event loop, or
 * SIGCHLD + waitpid(pid) where pidfd_open is refused; never blocks the loop,
 * coexists with child_process, works in worker_threads, and a handle nobody
 * awaits does not keep the process alive once its child exited.
 */
import { test } from '@japa/runner';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { binding } from '../../../src/launch/binding.ts';
import { launch } from '../../../src/launch/index.ts';
import { nativeOutDir, packageRoot } from '../../../src/native/paths.ts';
import { moduleWorker } from '../../../src/threads.ts';
import { hostAllows, isExpectedAuto, leftovers } from './helpers.ts';

const fixture = join(packageRoot, 'suites', 'unit', 'launch', 'async.fixture.ts');

/** A worker running worker.fixture.ts. */
function tsWorker(mode: 'run' | 'abandon'): Worker {
  return moduleWorker(pathToFileURL(join(packageRoot, 'suites', 'unit', 'launch', 'worker.fixture.ts')), mode);
}

test.group('launch async', () => {
  test('exited reports exit codes and signal names', async ({ assert }) => {
    const a = launch('/bin/sh', ['-c', 'exit 7']);
    const b = launch('/bin/sleep', ['30']);
    assert.isAbove(a.pid, 0);
    assert.isTrue(isExpectedAuto(a.closeStrategy));
    process.kill(b.pid, 'SIGKILL');
    assert.deepEqual(await a.exited, { code: 7, signal: null });
    assert.deepEqual(await b.exited, { code: null, signal: 'SIGKILL' });
    assert.deepEqual(leftovers().zombies, []);
  });

  test('waiting does not block the event loop', async ({ assert }) => {
    const order: string[] = [];
    const h = launch('/bin/sleep', ['0.3']);
    const tick = new Promise<void>((resolve) => setTimeout(() => {
      order.push('timer');
      resolve();
    }, 10));
    await Promise.all([h.exited.then(() => order.push('exited')), tick]);
    assert.deepEqual(order, ['timer', 'exited']);
  });

  test('coexists with child_process: each side reaps only its own children', async ({ assert }) => {
    const ours = Array.from({ length: 10 }, (_, i) => launch('/bin/sh', ['-c', `exit ${i}`]));
    const theirs = Array.from({ length: 10 }, (_, i) => new Promise<number | null>((resolve) => {
      spawn('/bin/sh', ['-c', `exit ${20 + i}`]).on('exit', (code) => resolve(code));
    }));
    const a = await Promise.all(ours.map((h) => h.exited));
    const b = await Promise.all(theirs);
    assert.deepEqual(a.map((e) => e.code), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(b, [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
  });

  test('the SIGCHLD fallback (no pidfd) reports the same, including a child that exited before the watch', async ({ assert }) => {
    const b = binding();
    const watchForced = (args: string[]): Promise<{ code: number | null; signal: number }> => {
      const out = b.spawn({ variant: null, file: '/bin/sh', argv: ['sh', ...args], envp: [], cwd: null, stdio: [0, 1, 2], keep: [], seal: true, strategy: 'auto', rlimit: 'fd-setsize', mask: [], ignore: [], setpgid: false });
      return new Promise((resolve) => {
        const how = b.watch(out.pid, (code, signal) => resolve({ code, signal }), true);
        assert.equal(how, 'sigchld');
      });
    };
    const quick = b.spawn({ variant: null, file: '/bin/true', argv: ['true'], envp: [], cwd: null, stdio: [0, 1, 2], keep: [], seal: true, strategy: 'auto', rlimit: 'fd-setsize', mask: [], ignore: [], setpgid: false });
    // Let it exit (and its SIGCHLD pass) before the watch starts.
    spawnSync('/bin/sleep', ['0.1']);
    const early = await new Promise<{ code: number | null; signal: number }>((resolve) => b.watch(quick.pid, (code, signal) => resolve({ code, signal }), true));
    assert.deepEqual(early, { code: 0, signal: 0 });
    assert.deepEqual(await watchForced(['-c', 'exit 5']), { code: 5, signal: 0 });
    assert.deepEqual(await watchForced(['-c', 'kill -TERM $$']), { code: null, signal: 15 });
    assert.deepEqual(leftovers().zombies, []);
  });

  test('with pidfd_open refused by the kernel (linux-5.2 personality)', ({ assert }) => {
    const wrapper = join(nativeOutDir, 'fdaudit-kernel');
    assert.isTrue(existsSync(wrapper), 'kernel wrapper built');
    const r = spawnSync(wrapper, ['--as', 'linux-5.2', '--', process.execPath, '--import', 'tsx', fixture, 'exits'], { encoding: 'utf8', cwd: packageRoot, timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.isFalse(out.pidfd, 'pidfd_open was refused');
    assert.deepEqual(out.a, { code: 3, signal: null });
    assert.deepEqual(out.b, { code: null, signal: 'SIGKILL' });
    assert.deepEqual(out.c, { code: 0, signal: null });
    assert.equal(out.node, 9);
  }).timeout(60_000);

  test('the same without a personality: pidfd wherever this process has it (the control)', ({ assert }) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fixture, 'exits'], { encoding: 'utf8', cwd: packageRoot, timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.pidfd, hostAllows.pidfd());
    assert.deepEqual(out.a, { code: 3, signal: null });
    assert.deepEqual(out.b, { code: null, signal: 'SIGKILL' });
  }).timeout(60_000);

  test('a handle nobody awaits does not keep the process alive after the child exited', ({ assert }) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fixture, 'unawaited'], { encoding: 'utf8', cwd: packageRoot, timeout: 60_000 });
    assert.isNull(r.signal, 'the process ended on its own (not killed by the timeout)');
    assert.equal(r.status, 0, r.stderr);
    assert.isAbove((JSON.parse(r.stdout) as { pid: number }).pid, 0);
  }).timeout(60_000);

  test('loads and works in worker_threads (per-environment state)', async ({ assert }) => {
    const run = (): Promise<{ sync: number; async: number; strategy: string; pids: number[] }> => new Promise((resolve, reject) => {
      const w = tsWorker('run');
      w.once('message', resolve);
      w.once('error', reject);
    });
    const results = await Promise.all([run(), run(), run()]);
    for (const r of results) {
      assert.deepEqual([r.sync, r.async], [4, 6]);
      assert.isTrue(isExpectedAuto(r.strategy as never), `auto reported ${r.strategy} in a worker`);
    }
    // Only our own children count: tsx may leave helpers of its own behind in a worker.
    const ours = results.flatMap((r) => r.pids);
    const zombies = leftovers().zombies;
    for (const pid of ours) assert.notInclude(zombies, pid, `child ${pid} launched in a worker was reaped`);
  }).timeout(60_000);

  test('a child still running when its worker is terminated is reaped all the same', async ({ assert }) => {
    const w = tsWorker('abandon');
    const { pid } = await new Promise<{ pid: number }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    // Wait for the child to end and be reaped (a guard, not a timing assertion).
    const deadline = Date.now() + 20_000;
    while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.isFalse(existsSync(`/proc/${pid}`), `child ${pid} was reaped, not left a zombie`);
  }).timeout(60_000);
});

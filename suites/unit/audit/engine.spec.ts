/**
 * The engine's failure paths: a launcher that fails, a probe that dies, a garbled or missing report,
 * a hang. Each gives `status: 'error'` with the reason, and leaves nothing behind: no fd, no child,
 * no temp file, the soft limit and signal state as they were.
 */
import { test } from '@japa/runner';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { audit } from '../../../src/audit/audit.ts';
import type { AuditResult } from '../../../src/audit/types.ts';
import { execLauncher } from '../../../src/launchers/user.ts';
import type { Launcher } from '../../../src/launchers/types.ts';
import { getRlimitNofile, openFds, signalDisposition, threadSignalMask, zombieChildren } from '../../../src/native/fdops.ts';
import { readProcStat } from '../../../src/native/procstat.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

/** The audit's temp root for this file: private, so other processes' temp files do not show. */
const tmpRoot = mkdtempSync(join(tmpdir(), 'audit-engine-spec-'));

function tempEntries(): string[] {
  return readdirSync(tmpRoot).sort();
}

interface Snapshot {
  fds: number[];
  temps: string[];
  soft: number | 'unlimited';
  mask: string[];
  usr2: string;
}

function snapshot(): Snapshot {
  return { fds: openFds(), temps: tempEntries(), soft: getRlimitNofile().soft, mask: threadSignalMask(), usr2: signalDisposition('SIGUSR2') };
}

async function auditOne(launcher: Launcher, timeoutMs = 10_000): Promise<{ result: AuditResult; before: Snapshot; after: Snapshot }> {
  const before = snapshot();
  const [result] = await audit({ launchers: [launcher], timeoutMs, tmpDir: tmpRoot });
  const after = snapshot();
  if (!result) throw new Error('no result');
  return { result, before, after };
}

function assertNothingLeft(assert: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, before: Snapshot, after: Snapshot): void {
  assert.deepEqual(after.fds, before.fds, 'no fd left open in this process');
  assert.deepEqual(after.temps, [], 'no temp file or directory left behind');
  assert.deepEqual(before.temps, []);
  assert.deepEqual(after.soft, before.soft, 'soft limit restored');
  assert.deepEqual(after.mask, before.mask, 'signal mask restored');
  assert.deepEqual(after.usr2, before.usr2, 'SIGUSR2 disposition restored');
  assert.deepEqual(zombieChildren(), [], 'no unreaped child');
}

test.group('audit engine: failures are results, and nothing is left behind', (group) => {
  group.teardown(() => rmSync(tmpRoot, { recursive: true, force: true }));

  test('control: a launcher that works is judged, and leaves nothing behind either', async ({ assert }) => {
    const { result, before, after } = await auditOne(execLauncher(`ok=python3 ${fixture('seal.py')} {probe}`));
    assert.equal(result.status, 'sealed', result.error ?? '');
    assertNothingLeft(assert, before, after);
  });

  test('a launcher program that does not exist: error naming it', async ({ assert }) => {
    const { result, before, after } = await auditOne(execLauncher('missing=/nonexistent/launcher {probe}'));
    assert.equal(result.status, 'error');
    assert.match(result.error ?? '', /\/nonexistent\/launcher.*not found/);
    assert.deepEqual(result.baits, []);
    assert.isNull(result.rlimitNofile);
    assertNothingLeft(assert, before, after);
  });

  test('a launched process killed by a signal: error naming the signal', async ({ assert }) => {
    const { result, before, after } = await auditOne(execLauncher(`killed=sh ${fixture('kill-self.sh')} {probe}`));
    assert.equal(result.status, 'error');
    assert.match(result.error ?? '', /killed by SIGKILL/);
    assertNothingLeft(assert, before, after);
  });

  test('a truncated report: error saying the report is cut short', async ({ assert }) => {
    const { result, before, after } = await auditOne(execLauncher(`garbage=sh ${fixture('garbage-report.sh')} {probe}`));
    assert.equal(result.status, 'error');
    assert.match(result.error ?? '', /no usable probe report: .*(truncated|cut short|ends)/i);
    assertNothingLeft(assert, before, after);
  });

  test('no report at all: error saying the report is missing', async ({ assert }) => {
    const { result, before, after } = await auditOne(execLauncher(`silent=sh ${fixture('no-report.sh')} {probe}`));
    assert.equal(result.status, 'error');
    assert.match(result.error ?? '', /no usable probe report: .*no report file/);
    assertNothingLeft(assert, before, after);
  });

  test('a hang: the timeout kills the whole process group, grandchild included', async ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'hang-test-'));
    try {
      const pidfile = join(dir, 'sleep.pid');
      const { result, before, after } = await auditOne(execLauncher(`hang=sh ${fixture('hang.sh')} ${pidfile} {probe}`), 1500);
      assert.equal(result.status, 'error');
      assert.match(result.error ?? '', /did not finish within 1500 ms; its process group was killed/);
      assert.isTrue(existsSync(pidfile), 'the hanging launcher had started its grandchild');
      const sleeper = Number(readFileSync(pidfile, 'utf8').trim());
      assert.isAbove(sleeper, 1);
      assert.isFalse(await stillAliveAfterKill(sleeper), `grandchild ${sleeper} survived the timeout`);
      assertNothingLeft(assert, before, after);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('control: the liveness check sees a process that was not killed', async ({ assert }) => {
    const { spawn } = await import('node:child_process');
    const other = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      await new Promise((r) => other.once('spawn', r));
      assert.isTrue(alive(other.pid ?? -1));
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    assert.isFalse(alive(other.pid ?? -1));
  });

  test('a node launcher that hangs is killed with its group too (detached + kill(-pid))', async ({ assert }) => {
    const { nodeLaunchers } = await import('../../../src/launchers/node.ts');
    const spawnL = nodeLaunchers.find((l) => l.id === 'node:spawn');
    if (!spawnL) throw new Error('node:spawn missing');
    const dir = mkdtempSync(join(tmpdir(), 'hang-test-'));
    try {
      const pidfile = join(dir, 'sleep.pid');
      const hanging: Launcher = {
        ...spawnL,
        id: 'node:spawn hanging',
        run: (ctx) => spawnL.run({ ...ctx, probeArgv: ['/bin/sh', fixture('hang.sh'), pidfile] }),
      };
      const { result, before, after } = await auditOne(hanging, 1500);
      assert.equal(result.status, 'error');
      assert.match(result.error ?? '', /did not finish within 1500 ms/);
      const sleeper = Number(readFileSync(pidfile, 'utf8').trim());
      assert.isFalse(await stillAliveAfterKill(sleeper), `grandchild ${sleeper} survived the timeout`);
      assertNothingLeft(assert, before, after);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an in-process adapter that hangs: error after the timeout, and its child is killed through the abort signal', async ({ assert }) => {
    const { spawn } = await import('node:child_process');
    const { adapterLauncher } = await import('../../../src/launchers/user.ts');
    let pid = -1;
    let gone: Promise<string | null> = Promise.resolve(null);
    const hanging = adapterLauncher({
      id: 'hangs',
      launch: (_argv, { signal }) =>
        new Promise((resolve) => {
          const child = spawn('sleep', ['300'], { stdio: 'ignore', signal });
          pid = child.pid ?? -1;
          gone = new Promise((r) => child.once('exit', (_code, sig) => r(sig)));
          child.once('error', () => {});
          child.once('exit', (code, sig) => resolve({ code, signal: sig }));
        }),
    });
    const { result, before, after } = await auditOne(hanging, 1000);
    assert.equal(result.status, 'error');
    assert.match(result.error ?? '', /ext:hangs did not finish within 1000 ms; the adapter was aborted/);
    assert.isAbove(pid, 1);
    // child_process kills the child on abort (SIGTERM) and reaps it.
    assert.equal(await gone, 'SIGTERM');
    assert.isFalse(alive(pid));
    assert.deepEqual(zombieChildren(), []);
    assert.deepEqual(after.temps, []);
    assert.deepEqual(after.soft, before.soft);
  });

  test('a launcher that throws, and one that is unavailable: error and skipped with the reason', async ({ assert }) => {
    const base = execLauncher('x=env {probe}');
    const throwing: Launcher = { ...base, id: 'ext:throws', run: async () => { throw new Error('boom in run'); } };
    const unavailable: Launcher = { ...base, id: 'ext:absent', unavailable: async () => 'needs a frobnicator' };
    const before = snapshot();
    const [a, b] = await audit({ launchers: [throwing, unavailable], tmpDir: tmpRoot });
    assert.deepInclude(a, { status: 'error', error: 'boom in run' });
    assert.deepInclude(b, { status: 'skipped', error: 'needs a frobnicator' });
    assertNothingLeft(assert, before, snapshot());
  });

  test('without python3 on PATH, ext:python-subprocess is skipped with the reason; with it, it runs', async ({ assert }) => {
    const saved = process.env.PATH;
    let without: AuditResult | undefined;
    try {
      process.env.PATH = '/nonexistent-bin';
      [without] = await audit({ launchers: ['ext:python-subprocess'], tmpDir: tmpRoot });
    } finally {
      process.env.PATH = saved;
    }
    assert.deepInclude(without, { status: 'skipped', error: 'python3 not found on PATH' });
    const [withIt] = await audit({ launchers: ['ext:python-subprocess'], baits: ['pipe'], tmpDir: tmpRoot });
    assert.equal(withIt?.status, 'sealed', withIt?.error ?? '');
  });

  test('bad options are refused before anything starts, naming the bad value', async ({ assert }) => {
    const before = snapshot();
    await assert.rejects(() => audit({ launchers: ['no-such-launcher'] }), /unknown launcher 'no-such-launcher'; valid: .*native/);
    await assert.rejects(() => audit({ baits: ['pipe', 'nope' as never] }), /unknown bait kind 'nope'; valid: file, dir/);
    await assert.rejects(() => audit({ timeoutMs: 0 }), /timeoutMs must be a positive number/);
    await assert.rejects(() => audit({ launchers: ['native', 'native'] }), /listed twice/);
    const clash = { ...execLauncher('sh=env {probe}') };
    await assert.rejects(() => audit({ launchers: ['ext:sh', clash] }), /clashes with the built-in/);
    assertNothingLeft(assert, before, snapshot());
  });
});

/**
 * SIGKILL to a group is delivered at once but each member exits on its own: wait (bounded) for the
 * grandchild to be gone. A process that is still there after this was not in the killed group.
 */
async function stillAliveAfterKill(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
  const survived = alive(pid);
  if (survived) process.kill(pid, 'SIGKILL');
  return survived;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is dead for our purpose (it waits for a reaper that is not us).
  const st = readProcStat(pid);
  return st !== null && st.state !== 'Z';
}

/**
 * External launchers given with --exec are judged exactly: one that seals, one that closes only some
 * fds, one that moves baits to other numbers, one that changes signals and limits before exec — and
 * an in-process adapter from the config file.
 */
import { test } from '@japa/runner';
import { fileURLToPath } from 'node:url';
import { audit } from '../../../src/audit/audit.ts';
import { sealedPolicyFindings } from '../../../src/audit/policy.ts';
import type { AuditResult } from '../../../src/audit/types.ts';
import { loadConfig } from '../../../src/launchers/config.ts';
import { execLauncher } from '../../../src/launchers/user.ts';
import type { Launcher } from '../../../src/launchers/types.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

async function one(launcher: Launcher): Promise<AuditResult> {
  const [r] = await audit({ launchers: [launcher] });
  if (!r) throw new Error('no result');
  if (r.status === 'error') throw new Error(`${r.launcher}: ${r.error}`);
  return r;
}

const crossed = (r: AuditResult): string[] => r.baits.filter((b) => b.crossed).map((b) => b.kind).sort();

test.group('audit: --exec launchers judged exactly', () => {
  test('a launcher that closes everything and resets limits and signals: sealed, no findings', async ({ assert }) => {
    const r = await one(execLauncher(`seal=python3 ${fixture('seal.py')} {probe}`));
    assert.equal(r.launcher, 'ext:seal');
    assert.equal(r.status, 'sealed');
    assert.deepEqual(crossed(r), []);
    assert.equal(r.rlimitNofile?.soft, 1024);
    assert.deepEqual(r.signals, { blocked: [], ignored: [] });
    // `passed` was handed to it on purpose and it closed it: a finding, not a leak.
    assert.deepEqual(sealedPolicyFindings(r).map((f) => f.kind), ['bait-missing']);
    assert.deepEqual(sealedPolicyFindings(r, { requirePassed: false }), []);
  });

  test('control: env passes on everything it was given', async ({ assert }) => {
    const r = await one(execLauncher('env=env {probe}'));
    assert.equal(r.status, 'leak');
    assert.notInclude(crossed(r), 'cloexec');
    assert.lengthOf(crossed(r), r.baits.length - 1);
  });

  test('a launcher that closes only fds below 1024: exactly the fds at 1024 and above leak', async ({ assert }) => {
    const r = await one(execLauncher(`below=python3 ${fixture('close-below-1024.py')} {probe}`));
    assert.equal(r.status, 'leak');
    assert.deepEqual(crossed(r), ['above-soft-limit', 'high-fd']);
    for (const b of r.baits.filter((x) => x.crossed)) assert.equal(b.childFd, b.fd);
    const leaks = sealedPolicyFindings(r).filter((f) => f.kind === 'bait-leaked').map((f) => f.bait).sort();
    assert.deepEqual(leaks, ['above-soft-limit', 'high-fd']);
  });

  test('a launcher that moves baits to other numbers: each is found at its new number', async ({ assert }) => {
    const r = await one(execLauncher(`mover=python3 ${fixture('renumber.py')} {probe}`));
    const low = r.baits.filter((b) => b.fd !== null && b.fd >= 3 && b.fd < 100 && b.kind !== 'cloexec');
    assert.isAbove(low.length, 5, 'most baits sit below 100');
    for (const b of low) {
      assert.isTrue(b.crossed, `${b.kind} not found`);
      assert.isAtLeast(b.childFd ?? -1, 200, `${b.kind} fd ${b.fd} should have moved to >= 200, found at ${b.childFd}`);
    }
    assert.deepEqual(r.extraFds, [], 'moved baits are recognised, not counted as unknown fds');
    assert.equal(r.status, 'leak');
  });

  test('a launcher that changes signals and limits before exec: the child shows exactly those', async ({ assert }) => {
    const r = await one(execLauncher(`sig=python3 ${fixture('signals-limits.py')} {probe}`));
    assert.equal(r.status, 'sealed');
    assert.equal(r.rlimitNofile?.soft, 512);
    assert.include(r.signals?.blocked ?? [], 'SIGTERM');
    assert.include(r.signals?.ignored ?? [], 'SIGHUP');
    // Inherited from the auditing parent and left alone by the launcher.
    assert.include(r.signals?.blocked ?? [], 'SIGUSR1');
    assert.include(r.signals?.ignored ?? [], 'SIGUSR2');
    const kinds = sealedPolicyFindings(r, { requirePassed: false }).map((f) => `${f.kind}:${f.signal ?? ''}`);
    assert.includeMembers(kinds, ['signal-blocked:SIGTERM', 'signal-ignored:SIGHUP']);
    assert.notInclude(kinds, 'rlimit:', 'a soft limit of 512 is within the policy');
  });

  test('an in-process adapter from the config file runs in this process and is judged like the rest', async ({ assert }) => {
    const cfg = await loadConfig(fixture('config/fdaudit.config.mjs'));
    const adapter = cfg?.launchers.find((l) => l.id === 'ext:spawn-adapter');
    if (!adapter) throw new Error('adapter missing');
    const r = await one(adapter);
    assert.equal(r.status, 'leak', 'child_process.spawn passes every non-CLOEXEC fd');
    assert.deepInclude(r.baits.find((b) => b.kind === 'passed'), { expected: 'present', crossed: true });
    assert.isFalse(r.baits.find((b) => b.kind === 'cloexec')?.crossed);
  });
});

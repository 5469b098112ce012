/**
 * Each mutant is caught in the scenario that exposes it, next to a control that must come out clean:
 * the sealed launcher in the very same scenario, and where it tells something, the mutant without it.
 */
import { test } from '@japa/runner';
import { audit } from '../../src/audit/audit.ts';
import { sealedPolicyFindings } from '../../src/audit/policy.ts';
import type { AuditResult } from '../../src/audit/types.ts';
import { getLauncher } from '../../src/launchers/registry.ts';
import { blockedAndIgnoredSignals, forcedFallback, raisedSoftLimit, stdinClosed } from '../../src/launchers/scenarios.ts';
import type { Launcher, Scenario } from '../../src/launchers/types.ts';
import { ignoredSignals } from '../../src/launchers/host-signals.ts';
import { getRlimitNofile, setRlimitNofile } from '../../src/native/fdops.ts';
import { baitOf, crossedKinds, describeResult } from './helpers.ts';

/** The sealed launcher run in another launcher's scenario: the control. */
function nativeIn(scenario: Scenario): Launcher {
  return { ...getLauncher('native'), id: `native in ${scenario.id}`, scenario };
}

async function one(launcher: string | Launcher, options: { scenarios?: boolean; parentSignals?: boolean } = {}): Promise<AuditResult> {
  const [r] = await audit({ launchers: [launcher], ...options });
  if (!r) throw new Error('no result');
  return r;
}

function assertClean(assert: { equal: (a: unknown, b: unknown, m?: string) => void; deepEqual: (a: unknown, b: unknown, m?: string) => void }, r: AuditResult): void {
  assert.equal(r.status, 'sealed', describeResult(r));
  assert.deepEqual(sealedPolicyFindings(r), []);
}

test.group('audit: mutants caught in their exposing scenarios', () => {
  test('mutant:naive-dup fails with the parent stdin closed; native in the same scenario seals', async ({ assert }) => {
    const r = await one('mutant:naive-dup');
    assert.equal(r.scenario, 'parent stdin closed, stdio plan [null, out, out]');
    assert.notEqual(r.status, 'sealed', describeResult(r));
    assert.equal(r.status, 'error');
    assert.match(r.error ?? '', /dup2|EBADF/);
    assertClean(assert, await one(nativeIn(stdinClosed)));
    // Without the scenario every dup() lands above the plan: the flaw hides.
    assertClean(assert, await one('mutant:naive-dup', { scenarios: false }));
  });

  test('mutant:fd-setsize-fallback leaks exactly the fds >= 1024 through a forced fallback; native forced alike seals', async ({ assert }) => {
    const r = await one('mutant:fd-setsize-fallback');
    assert.equal(r.scenario, 'close strategy forced to loop');
    assert.equal(r.status, 'leak', describeResult(r));
    assert.sameMembers(crossedKinds(r), ['high-fd', 'above-soft-limit', 'passed']);
    assert.equal(r.closeStrategy, 'loop');
    const control = await one(nativeIn(forcedFallback));
    assertClean(assert, control);
    assert.equal(control.closeStrategy, 'loop');
    // With close_range available and not forced it seals: only a failing kernel or a forced strategy shows it.
    assertClean(assert, await one('mutant:fd-setsize-fallback', { scenarios: false }));
  });

  test('mutant:no-rlimit-reset hands on a raised soft limit; native in the same scenario gives 1024', async ({ assert }) => {
    const r = await one('mutant:no-rlimit-reset');
    assert.equal(r.status, 'sealed', 'its fds are right');
    const soft = r.rlimitNofile?.soft;
    assert.isTrue(soft === 'unlimited' || (typeof soft === 'number' && soft > 1024), describeResult(r));
    assert.deepEqual(sealedPolicyFindings(r).map((f) => f.kind), ['rlimit']);
    assertClean(assert, await one(nativeIn(raisedSoftLimit)));
  });

  test('mutant:no-signal-reset hands on the blocked mask and ignored signals; native in the same scenario resets them', async ({ assert }) => {
    const r = await one('mutant:no-signal-reset');
    assert.equal(r.status, 'sealed', 'its fds are right');
    assert.include(r.signals?.blocked ?? [], 'SIGUSR1');
    assert.includeMembers(r.signals?.ignored ?? [], ['SIGUSR2', 'SIGPIPE']);
    assert.includeMembers(sealedPolicyFindings(r).map((f) => f.kind), ['signal-blocked', 'signal-ignored']);
    assertClean(assert, await one(nativeIn(blockedAndIgnoredSignals)));
    // From a parent that blocks nothing, only what Node itself ignores (SIGPIPE, SIGXFSZ) shows.
    const quiet = await one('mutant:no-signal-reset', { scenarios: false, parentSignals: false });
    assert.deepEqual(quiet.signals?.blocked, [], describeResult(quiet));
    assert.sameMembers(quiet.signals?.ignored ?? [], ignoredSignals());
    assert.include(quiet.signals?.ignored ?? [], 'SIGPIPE');
  });

  test('mutant:low-renumber moves a stray fd to a low number; only identity matching finds it', async ({ assert }) => {
    const r = await one('mutant:low-renumber');
    assert.equal(r.status, 'leak', describeResult(r));
    const moved = r.baits.filter((b) => b.crossed && b.childFd !== b.fd);
    assert.lengthOf(moved, 1, describeResult(r));
    assert.isBelow(moved[0]?.childFd ?? Infinity, 10);
    assert.isAbove(moved[0]?.fd ?? 0, 1023, 'the highest stray is the one moved');
    assert.deepEqual(r.extraFds, [], 'the moved bait is reported as that bait, not as an unknown fd');
  });

  test('mutant:forgets-keep closes the fd it was to pass; native passes it', async ({ assert }) => {
    const r = await one('mutant:forgets-keep');
    assert.deepInclude(baitOf(r, 'passed'), { expected: 'present', crossed: false });
    assert.deepEqual(sealedPolicyFindings(r).map((f) => f.kind), ['bait-missing']);
    assert.isTrue(baitOf(await one('native'), 'passed').crossed);
  });

  test('mutant:leak-above-1023 leaks the fds at 1024 and above, with close_range', async ({ assert }) => {
    const r = await one('mutant:leak-above-1023');
    assert.equal(r.status, 'leak');
    assert.sameMembers(crossedKinds(r), ['high-fd', 'above-soft-limit', 'passed']);
    assert.equal(r.closeStrategy, 'close_range');
  });

  test('mutant:rlimit-raised-if-parent: caught with a parent raised as Node raises it, hidden at 2048', async ({ assert }) => {
    const r = await one('mutant:rlimit-raised-if-parent');
    const soft = r.rlimitNofile?.soft;
    assert.isTrue(soft === 'unlimited' || (typeof soft === 'number' && soft > 4096), describeResult(r));
    // A check that raises the parent a little is fooled: the child gets 1024.
    const little: Scenario = {
      id: 'soft-2048',
      description: 'parent soft limit 2048',
      enter() {
        const before = getRlimitNofile();
        setRlimitNofile(2048, before.hard);
        return { applied: 'parent soft limit 2048', context: {}, restore: () => setRlimitNofile(before.soft, before.hard) };
      },
    };
    const fooled = await one({ ...getLauncher('mutant:rlimit-raised-if-parent'), scenario: little });
    assert.equal(fooled.rlimitNofile?.soft, 1024, describeResult(fooled));
  });
});

/**
 * Each mutant (a deliberately flawed launcher) is caught in the scenario that exposes it, under every
 * kernel personality, next to controls that must come out clean: the sealed launcher in the very same
 * scenario, and where it tells something, the mutant without the scenario (the flaw hides).
 *
 * The mutant's own audit is the run's row for it (the table, audit.json). Controls and other scenarios
 * are audits beside the run: same kernel, bait selection and timeout, but not recorded as a row, so
 * the table shows each mutant once, as the run states it.
 */
import type { Assert } from '@japa/assert';
import { audit as runAudit } from '../../src/audit/audit.ts';
import { sealedPolicyFindings } from '../../src/audit/policy.ts';
import type { AuditResult } from '../../src/audit/types.ts';
import type { BaitKind } from '../../src/bait/types.ts';
import { closeRangeFails, isKernelId } from '../../src/kernels/personalities.ts';
import { ignoredSignals } from '../../src/launchers/host-signals.ts';
import { getLauncher } from '../../src/launchers/registry.ts';
import { blockedAndIgnoredSignals, FAR_RAISED, forcedFallback, raisedSoftLimit, stdinClosed } from '../../src/launchers/scenarios.ts';
import type { Launcher, Scenario } from '../../src/launchers/types.ts';
import { getRlimitNofile, setRlimitNofile } from '../../src/native/fdops.ts';
import type { AuditFixture } from '../../src/runner/index.ts';
import { effectiveBaits, messages, rowsTest, runState, selectedBaits, selectedLaunchers, test, testName } from '../../src/runner/index.ts';
import { crossedKinds, describeResult } from './helpers.ts';

/** Where close_range fails, every fallback runs unforced. */
const fallbackByKernel = (kernel: string): boolean => isKernelId(kernel) && closeRangeFails(kernel);

/** What the sealed core reports when it runs unforced: close_range, or poll, its first fallback. */
const sealedCoreStrategy = (kernel: string): string => (fallbackByKernel(kernel) ? 'poll' : 'close_range');

/** The kinds among `kinds` that this run audits (--bait). */
const selected = (kinds: readonly BaitKind[]): BaitKind[] => selectedBaits(kinds);

interface AsideOptions {
  /** Enter the launcher's scenario (default true). */
  scenarios?: boolean;
  /** The engine's parent signal state (SIGUSR1 blocked, SIGUSR2 ignored); default true. */
  parentSignals?: boolean;
}

/** An audit beside the run: this process's kernel, the run's bait selection and timeout; no row of its own. */
async function auditAside(launcher: Launcher, options: AsideOptions = {}): Promise<AuditResult> {
  const { kernel, timeoutMs } = runState().options;
  const [r] = await runAudit({
    launchers: [launcher],
    baits: effectiveBaits(),
    kernel,
    timeoutMs,
    scenarios: options.scenarios ?? true,
    parentSignals: options.parentSignals ?? true,
  });
  if (!r) throw new Error(`the audit of ${launcher.id} returned no result`);
  return r;
}

/** The sealed launcher run in a mutant's scenario: the control. */
function nativeIn(scenario: Scenario): Launcher {
  return { ...getLauncher('native'), id: `native in ${scenario.id}`, scenario };
}

/** Sealed, and nothing the sealed policy objects to (limit, signals, missing `passed`). */
function assertClean(assert: Assert, r: AuditResult): void {
  assert.equal(r.status, 'sealed', describeResult(r));
  assert.deepEqual(sealedPolicyFindings(r), [], describeResult(r));
}

/** Judged (a probe report came back), with the fds right: the flaw under test is elsewhere. */
function assertFdsRight(assert: Assert, r: AuditResult): void {
  assert.equal(r.status, 'sealed', `its fds are right: ${describeResult(r)}`);
}

/** The baits at 1024 and above (that the run selects) crossed, and of the rest only `passed`. */
function assertLeaksHigh(assert: Assert, r: AuditResult): void {
  const high = selected(['high-fd', 'above-soft-limit']);
  assert.status(r, high.length ? 'leak' : 'sealed');
  assert.sameMembers(crossedKinds(r), [...high, ...selected(['passed'])], describeResult(r));
}

type Check = (assert: Assert, r: AuditResult, audit: AuditFixture) => void | Promise<void>;

/** One test per selected mutant and check, named `mutant › check`, each given the mutant's row. */
function mutantChecks(id: string, checks: Record<string, Check>, request: { scenario?: boolean } = {}): void {
  const rows = (): Array<{ name: string; check: string }> =>
    selectedLaunchers([id]).flatMap((launcher) => Object.keys(checks).map((check) => ({ name: testName(launcher, check), check })));
  rowsTest(rows).run(async ({ audit, assert }, row) => {
    const fn = checks[row.check];
    if (!fn) throw new Error(`no check named ${row.check}`);
    await fn(assert, await audit(id, request), audit);
  });
}

test.group('mutant:naive-dup (F1/F2): fails with the parent stdin closed', () => {
  mutantChecks('mutant:naive-dup', {
    // The saved source lands on fd 0, inside the plan, and slot 0 that is not open is closed: EBADF.
    'fails with stdin closed': (assert, r) => {
      assert.equal(r.scenario, 'parent stdin closed, stdio plan [null, out, out]');
      assert.status(r, 'error');
      assert.match(r.error ?? '', /dup2 failed: EBADF/);
    },
    'control: native with stdin closed seals': async (assert) => assertClean(assert, await auditAside(nativeIn(stdinClosed))),
    // Without the scenario every dup() lands above the plan: the flaw hides.
    'control: without the scenario it seals': async (assert) => assertClean(assert, await auditAside(getLauncher('mutant:naive-dup'), { scenarios: false })),
  });
});

test.group('mutant:fd-setsize-fallback (F3): caught in its scenario under every personality, next to its controls', () => {
  const id = 'mutant:fd-setsize-fallback';
  // The run's row (bait by bait in launchers.spec.ts): in a single-kernel run its scenario forces the
  // fallback; across personalities it runs as it is, so that the table shows the kernels that expose it.
  const forced = (): boolean => !runState().options.matrix;
  const fallbackRuns = (kernel: string): boolean => forced() || fallbackByKernel(kernel);
  /** Its scenario: the fallback forced where close_range works, the kernel's own failure elsewhere. */
  const exposed = (audit: AuditFixture): Promise<AuditResult> => (forced() ? audit(id) : auditAside(getLauncher(id)));
  /** Unforced: the launcher as it behaves by itself under this kernel. */
  const unforced = (audit: AuditFixture): Promise<AuditResult> => (forced() ? auditAside(getLauncher(id), { scenarios: false }) : audit(id, { scenario: false }));
  mutantChecks(
    id,
    {
      'close strategy': (assert, r) => {
        assert.notEqual(r.status, 'error', messages.unjudgedMessage(r));
        assert.equal(r.closeStrategy, fallbackRuns(r.kernel) ? 'loop' : 'close_range', describeResult(r));
      },
      'caught in its scenario': async (assert, _r, audit) => {
        const r = await exposed(audit);
        assert.equal(
          r.scenario,
          fallbackByKernel(r.kernel) ? `unforced: close_range fails under ${r.kernel}` : 'close strategy forced to loop',
        );
        assertLeaksHigh(assert, r);
        assert.equal(r.closeStrategy, 'loop');
      },
      'control: native in the same scenario seals': async (assert) => {
        const r = await auditAside(nativeIn(forcedFallback));
        assertClean(assert, r);
        // Forced, it closes with the loop too; where close_range fails it takes its own first fallback.
        assert.equal(r.closeStrategy, fallbackByKernel(r.kernel) ? 'poll' : 'loop', describeResult(r));
      },
      // Only a failing kernel or a forced strategy shows the flaw: where close_range works it seals.
      'unforced: leaks exactly where close_range fails': async (assert, _r, audit) => {
        const r = await unforced(audit);
        if (fallbackByKernel(r.kernel)) {
          assertLeaksHigh(assert, r);
        } else {
          assertClean(assert, r);
          assert.equal(r.closeStrategy, 'close_range');
        }
      },
    },
    { scenario: forced() },
  );
});

test.group('mutant:no-rlimit-reset (F6 opposite): the parent\'s raised soft limit reaches the child', () => {
  mutantChecks('mutant:no-rlimit-reset', {
    'soft limit caught': (assert, r) => {
      assertFdsRight(assert, r);
      const soft = r.rlimitNofile?.soft;
      assert.isTrue(soft === 'unlimited' || (typeof soft === 'number' && soft > FAR_RAISED), describeResult(r));
      assert.deepEqual(sealedPolicyFindings(r).map((f) => f.kind), ['rlimit']);
      assert.throws(() => assert.softLimitAtMost(r, 1024), /hands the child a soft RLIMIT_NOFILE of .*, above 1024/);
    },
    'control: native with a raised soft limit gives 1024': async (assert) => {
      const r = await auditAside(nativeIn(raisedSoftLimit));
      assertClean(assert, r);
      assert.equal(r.rlimitNofile?.soft, 1024);
      assert.equal(r.closeStrategy, sealedCoreStrategy(r.kernel));
    },
  });
});

test.group('mutant:no-signal-reset (F5): the parent\'s blocked mask and ignored signals reach the child', () => {
  mutantChecks('mutant:no-signal-reset', {
    'signals caught': (assert, r) => {
      assertFdsRight(assert, r);
      assert.include(r.signals?.blocked ?? [], 'SIGUSR1');
      assert.includeMembers(r.signals?.ignored ?? [], ['SIGUSR2', 'SIGPIPE']);
      assert.includeMembers(sealedPolicyFindings(r).map((f) => f.kind), ['signal-blocked', 'signal-ignored']);
      assert.throws(() => assert.signalsClean(r), /left .*SIGUSR2.* ignored and .*SIGUSR1.* blocked/);
    },
    'control: native with SIGUSR1 blocked and SIGUSR2 ignored resets both': async (assert) => {
      const r = await auditAside(nativeIn(blockedAndIgnoredSignals));
      assertClean(assert, r);
      assert.deepEqual(r.signals, { blocked: [], ignored: [] });
    },
    // From a parent that blocks nothing, only what this process itself ignores (Node: SIGPIPE, SIGXFSZ) shows.
    'control: from a quiet parent only its own ignores cross': async (assert) => {
      const ownIgnores = ignoredSignals();
      const r = await auditAside(getLauncher('mutant:no-signal-reset'), { scenarios: false, parentSignals: false });
      assert.deepEqual(r.signals?.blocked, [], describeResult(r));
      assert.sameMembers(r.signals?.ignored ?? [], ownIgnores, describeResult(r));
      assert.include(r.signals?.ignored ?? [], 'SIGPIPE');
    },
  });
});

test.group('mutant:low-renumber: a stray fd moved to a low number is found by identity only', () => {
  mutantChecks('mutant:low-renumber', {
    'moves the highest stray to a low number': (assert, r) => {
      const strays = r.baits.filter((b): b is typeof b & { fd: number } => b.expected === 'absent' && b.kind !== 'cloexec' && b.fd !== null);
      if (strays.length === 0) return assert.notEqual(r.status, 'error', messages.unjudgedMessage(r));
      assert.status(r, 'leak');
      const moved = r.baits.filter((b) => b.crossed && b.childFd !== b.fd);
      assert.lengthOf(moved, 1, describeResult(r));
      assert.isBelow(moved[0]?.childFd ?? Infinity, 10);
      assert.equal(moved[0]?.fd, Math.max(...strays.map((b) => b.fd)), 'the highest stray is the one moved');
      assert.deepEqual(r.extraFds, [], 'the moved bait is reported as that bait, not as an unknown fd');
    },
  });
});

test.group('mutant:forgets-keep: the fd it was to pass is closed', () => {
  mutantChecks('mutant:forgets-keep', {
    'closes the kept fd': (assert, r) => {
      assert.notCrossed(r, 'passed');
      if (!selected(['passed']).length) return;
      assert.deepEqual(sealedPolicyFindings(r).map((f) => f.kind), ['bait-missing']);
    },
    'control: native passes it at its number': async (assert) => {
      const r = await auditAside(getLauncher('native'));
      assert.crossed(r, 'passed');
      for (const b of r.baits.filter((x) => x.kind === 'passed')) assert.equal(b.childFd, b.fd);
    },
  });
});

test.group('mutant:leak-above-1023: close_range bounded at 1023 leaks the fds at 1024 and above', () => {
  mutantChecks('mutant:leak-above-1023', {
    'leaks exactly the fds >= 1024': (assert, r) => assertLeaksHigh(assert, r),
    // The same bound in its close loop where close_range fails.
    'close strategy': (assert, r) => {
      assert.notEqual(r.status, 'error', messages.unjudgedMessage(r));
      assert.equal(r.closeStrategy, fallbackByKernel(r.kernel) ? 'loop' : 'close_range');
    },
  });
});

test.group('mutant:rlimit-raised-if-parent: caught with a parent raised as Node raises it, hidden at 2048', () => {
  mutantChecks('mutant:rlimit-raised-if-parent', {
    'soft limit caught': (assert, r) => {
      assertFdsRight(assert, r);
      const soft = r.rlimitNofile?.soft;
      assert.isTrue(soft === 'unlimited' || (typeof soft === 'number' && soft > FAR_RAISED), describeResult(r));
      assert.deepEqual(sealedPolicyFindings(r).map((f) => f.kind), ['rlimit']);
    },
    // A check that raises the parent only a little is fooled: the child gets 1024.
    'control: a parent at 2048 hides it': async (assert) => {
      const little: Scenario = {
        id: 'soft-2048',
        description: 'parent soft limit 2048',
        enter() {
          const before = getRlimitNofile();
          setRlimitNofile(2048, before.hard);
          return { applied: 'parent soft limit 2048', context: {}, restore: () => setRlimitNofile(before.soft, before.hard) };
        },
      };
      const r = await auditAside({ ...getLauncher('mutant:rlimit-raised-if-parent'), scenario: little });
      assert.equal(r.rlimitNofile?.soft, 1024, describeResult(r));
    },
  });
});

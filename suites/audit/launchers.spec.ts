/**
 * The shipped audit: what each built-in launcher hands its child, bait by bait, under the kernel
 * personality this process runs (`fdaudit run --kernel …` runs it once per personality). `--launcher`,
 * `--bait` and `--grep` narrow it; each launcher is launched once per personality and every row reads
 * that one result. How each mutant is caught is in mutants.spec.ts (here only the row of the one whose
 * verdict differs by personality), the other runtimes are in runtimes.spec.ts.
 *
 * Where a launcher behaves differently under a personality, the row states how, exactly: the sealed
 * core reports close_range where close_range works and poll (its first fallback) where it fails;
 * glibc's closefrom walks /proc/self/fd where close_range fails, and fails outright without /proc.
 *
 * The node:* rows state Node's behaviour today (every non-CLOEXEC fd and the raised soft limit cross):
 * when one fails, Node changed, and the baseline must be updated.
 *
 * Every fd kind is a row: the o-path bait is the one a poll() sweep misses (POLLNVAL for an open O_PATH
 * fd), so it is what tells a fallback that confirms with fcntl from one that does not. A kind the
 * personality refuses to open (pidfd under linux-5.2) is asserted skipped, with the reason.
 */
import type { Assert } from '@japa/assert';
import type { AuditResult } from '../../src/audit/types.ts';
import type { BaitKind } from '../../src/bait/types.ts';
import { getPersonality, isKernelId } from '../../src/kernels/personalities.ts';
import { HUGE_NOFILE } from '../../src/kernels/types.ts';
import type { KernelTraits } from '../../src/kernels/types.ts';
import type { Limit } from '../../src/probe/types.ts';
import type { AuditFixture } from '../../src/runner/index.ts';
import { auditMatrix, messages, rowsTest, runState, selectedLaunchers, test, testName } from '../../src/runner/index.ts';
import { assertRefusedHere } from './helpers.ts';

const NODE = ['node:spawn', 'node:spawnSync', 'node:execFile', 'node:exec'];

function traits(kernel: string): KernelTraits {
  return getPersonality(isKernelId(kernel) ? kernel : 'host').traits;
}

/** close_range(n, ~0U, 0) works (linux-5.10 refuses only the CLOEXEC flag, which no seal here uses). */
const closeRangeWorks = (kernel: string): boolean => !['ENOSYS', 'EPERM'].includes(traits(kernel).closeRange);

/** glibc's closefrom falls back from close_range to a /proc/self/fd walk; with neither it fails. */
const glibcClosefromFails = (kernel: string): boolean => !closeRangeWorks(kernel) && !traits(kernel).procVisible;

/** What the sealed core (native, fork) reports: close_range, or poll, its first fallback. */
const sealedCoreStrategy = (kernel: string): string => (closeRangeWorks(kernel) ? 'close_range' : 'poll');

/** What posix_spawn with addclosefrom_np reports: glibc's close_range, else its /proc/self/fd walk. */
const glibcStrategy = (kernel: string): string => (closeRangeWorks(kernel) ? 'close_range' : 'proc');

type Check = (assert: Assert, r: AuditResult, audit: AuditFixture) => void | Promise<void>;

interface CheckRow {
  name: string;
  launcher: string;
  check: string;
}

/** One row per launcher (that the run selects) and check, named `launcher › check`. */
function checkRows(launchers: readonly string[], checks: Record<string, Check>): () => CheckRow[] {
  return () => selectedLaunchers(launchers).flatMap((launcher) => Object.keys(checks).map((check) => ({ name: testName(launcher, check), launcher, check })));
}

function checkTest(launchers: readonly string[], checks: Record<string, Check>): void {
  rowsTest(checkRows(launchers, checks)).run(async ({ audit, assert }, row) => {
    const fn = checks[row.check];
    if (!fn) throw new Error(`no check named ${row.check}`);
    await fn(assert, await audit(row.launcher), audit);
  });
}

/** The result was judged (a probe report came back): sealed or leak. */
function assertJudged(assert: Assert, r: AuditResult): void {
  assert.oneOf(r.status, ['sealed', 'leak'], messages.unjudgedMessage(r));
}

/** Every bait of `kind` crossed, each at its own fd number. */
function assertCrossedAtOwnNumber(assert: Assert, r: AuditResult, kind: BaitKind): void {
  assert.crossed(r, kind);
  for (const b of r.baits.filter((x) => x.kind === kind)) {
    assert.equal(b.childFd, b.fd, `${r.launcher} moved ${kind} fd ${b.fd} to child fd ${b.childFd} ${messages.kernelTag(r)}`);
  }
}

/**
 * The soft limit the parent had while the launch ran (lowered under the above-soft-limit bait): what
 * ext:sh, which changes nothing, hands on in the same run. null when ext:sh is outside the selection.
 */
async function parentSoftLimit(audit: AuditFixture): Promise<Limit | null> {
  const sh = await audit('ext:sh');
  return sh.status === 'skipped' ? null : (sh.rlimitNofile?.soft ?? null);
}

/** The child's soft limit is above 1024 and, where ext:sh ran, exactly the parent's. */
async function assertParentSoftLimit(assert: Assert, r: AuditResult, audit: AuditFixture, what: string): Promise<void> {
  assertJudged(assert, r);
  assert.isString(messages.softLimitMessage(r, 1024), `${r.launcher} ${what} ${messages.kernelTag(r)}`);
  const parent = await parentSoftLimit(audit);
  if (parent !== null) assert.equal(r.rlimitNofile?.soft, parent, `${r.launcher}: the child gets exactly the soft limit in force in the parent ${messages.kernelTag(r)}`);
}

const sealedChecks: Record<string, Check> = {
  'soft limit': (assert, r) => {
    assert.softLimitAtMost(r, 1024);
    // The parent's soft limit is far above 1024 here (Node raised it), so a careful launcher gives 1024.
    assert.equal(r.rlimitNofile?.soft, 1024, messages.softLimitMessage(r, 1023) ?? '');
  },
  signals: (assert, r) => assert.signalsClean(r),
  'extra fds': (assert, r) => assert.noExtraFds(r),
  'close strategy': (assert, r) => {
    assertJudged(assert, r);
    assert.equal(r.closeStrategy, sealedCoreStrategy(r.kernel), `${r.launcher} sealed with ${r.closeStrategy} ${messages.kernelTag(r)}`);
  },
};

test.group('sealed: native and fork close every fd but the ones they pass, on every kernel personality', () => {
  auditMatrix({ launchers: ['native', 'fork'] }).run(async ({ audit, assert }, row) => {
    const r = await audit(row.launcher);
    if (assertRefusedHere(assert, r, row.bait)) return;
    assert.baitAsExpected(r, row.bait);
    if (row.bait === 'passed') assertCrossedAtOwnNumber(assert, r, 'passed');
  });
  checkTest(['native', 'fork'], sealedChecks);
});

test.group('posix_spawn with addclosefrom_np: glibc seals, and fails where neither close_range nor /proc exists', () => {
  /** Without close_range and /proc glibc's closefrom cannot find the open fds: the spawn fails. */
  const assertGlibcFails = (assert: Assert, r: AuditResult): void => {
    assert.status(r, 'error');
    assert.match(r.error ?? '', /close failed: ENOENT/, messages.unjudgedMessage(r));
  };
  auditMatrix({ launchers: ['posix_spawn'] }).run(async ({ audit, assert, kernel }, row) => {
    const r = await audit(row.launcher);
    if (glibcClosefromFails(kernel)) return assertGlibcFails(assert, r);
    if (assertRefusedHere(assert, r, row.bait)) return;
    assert.baitAsExpected(r, row.bait);
    if (row.bait === 'passed') assertCrossedAtOwnNumber(assert, r, 'passed');
  });
  checkTest(['posix_spawn'], {
    // glibc's spawn child resets handled signals and the mask, but sets its own two internal signals
    // (SIG32, SIG33; sigfillset leaves them out of the SETSIGDEF set) to SIG_IGN, which survives execve.
    signals: (assert, r) => {
      if (glibcClosefromFails(r.kernel)) return assertGlibcFails(assert, r);
      assertJudged(assert, r);
      assert.deepEqual(r.signals?.blocked, [], messages.signalsMessage(r) ?? '');
      assert.sameMembers(r.signals?.ignored ?? [], ['SIG32', 'SIG33'], `glibc posix_spawn changed what it leaves ignored: ${messages.signalsMessage(r)}`);
    },
    // posix_spawn has no way to set the child's RLIMIT_NOFILE: the parent's crosses.
    'soft limit': async (assert, r, audit) => {
      if (glibcClosefromFails(r.kernel)) return assertGlibcFails(assert, r);
      await assertParentSoftLimit(assert, r, audit, 'no longer hands on the parent\'s soft limit: glibc changed');
    },
    'extra fds': (assert, r) => {
      if (glibcClosefromFails(r.kernel)) return assertGlibcFails(assert, r);
      assert.noExtraFds(r);
    },
    'close strategy': (assert, r) => {
      if (glibcClosefromFails(r.kernel)) return assertGlibcFails(assert, r);
      assertJudged(assert, r);
      assert.equal(r.closeStrategy, glibcStrategy(r.kernel), `${r.launcher} sealed with ${r.closeStrategy} ${messages.kernelTag(r)}`);
    },
  });
});

test.group("baseline: Node's child_process passes on every non-CLOEXEC fd and its raised soft limit (today's behaviour)", () => {
  auditMatrix({ launchers: NODE }).run(async ({ audit, assert }, row) => {
    const r = await audit(row.launcher);
    if (assertRefusedHere(assert, r, row.bait)) return;
    if (row.bait === 'cloexec') assert.notCrossed(r, 'cloexec');
    else assertCrossedAtOwnNumber(assert, r, row.bait);
  });
  checkTest(NODE, {
    'soft limit': async (assert, r, audit) => {
      await assertParentSoftLimit(assert, r, audit, "no longer hands on Node's raised soft limit (child_process now resets it): update the baseline");
    },
    // libuv resets every handler and empties the mask in the child.
    signals: (assert, r) => assert.signalsClean(r),
    // spawn and spawnSync take fds in stdio, so `passed` is passed on purpose; execFile and exec cannot
    // pass one, and it crosses anyway, as a leak.
    'passed on purpose': (assert, r) => {
      assertJudged(assert, r);
      const onPurpose = r.launcher === 'node:spawn' || r.launcher === 'node:spawnSync';
      for (const b of r.baits.filter((x) => x.kind === 'passed')) {
        assert.deepInclude(b, { expected: onPurpose ? 'present' : 'absent', crossed: true }, `${r.launcher} ${messages.kernelTag(r)}`);
      }
    },
  });
});

test.group('native:leak and ext:sh pass on everything they hold, each at its own number (the leak the audit must see)', () => {
  auditMatrix({ launchers: ['native:leak', 'ext:sh'] }).run(async ({ audit, assert }, row) => {
    const r = await audit(row.launcher);
    if (assertRefusedHere(assert, r, row.bait)) return;
    if (row.bait === 'cloexec') assert.notCrossed(r, 'cloexec');
    else assertCrossedAtOwnNumber(assert, r, row.bait);
  });
  checkTest(['native:leak'], {
    // seal: false changes fds only: the limit and signals are reset as by the sealed launcher.
    'soft limit': (assert, r) => assert.equal(r.rlimitNofile?.soft, 1024, messages.softLimitMessage(r, 1023) ?? messages.unjudgedMessage(r)),
    signals: (assert, r) => assert.signalsClean(r),
    'close strategy': (assert, r) => {
      assertJudged(assert, r);
      assert.isNull(r.closeStrategy, `${r.launcher} closed fds with ${r.closeStrategy} ${messages.kernelTag(r)}`);
    },
  });
  checkTest(['ext:sh'], {
    // exec "$@" changes nothing: the parent's blocked SIGUSR1 and ignored SIGUSR2 and SIGPIPE cross.
    signals: (assert, r) => {
      assertJudged(assert, r);
      assert.include(r.signals?.blocked ?? [], 'SIGUSR1', messages.signalsMessage(r) ?? '');
      assert.includeMembers(r.signals?.ignored ?? [], ['SIGPIPE', 'SIGUSR2'], messages.signalsMessage(r) ?? '');
    },
  });
});

test.group('ext:python-subprocess: close_fds=True closes what it was given, under every personality', () => {
  // Measured under all seven: where close_range fails it walks /proc/self/fd, and without /proc its
  // brute-force loop still reaches the above-soft-limit bait (which sits at the soft limit itself).
  auditMatrix({ launchers: ['ext:python-subprocess'] }).run(async ({ audit, assert }, row) => {
    const r = await audit(row.launcher);
    if (assertRefusedHere(assert, r, row.bait)) return;
    assert.baitAsExpected(r, row.bait);
  });
  checkTest(['ext:python-subprocess'], {
    'extra fds': (assert, r) => assert.noExtraFds(r),
    // Started with the parent's state (SIGUSR1 blocked, SIGUSR2 and SIGPIPE ignored): restore_signals
    // resets SIGPIPE (and SIGXFSZ) only, and the mask is left as it was.
    signals: (assert, r) => {
      assert.status(r, 'sealed');
      if (r.status === 'skipped') return;
      assert.include(r.signals?.blocked ?? [], 'SIGUSR1', messages.signalsMessage(r) ?? '');
      assert.include(r.signals?.ignored ?? [], 'SIGUSR2', messages.signalsMessage(r) ?? '');
      assert.notInclude(r.signals?.ignored ?? [], 'SIGPIPE', messages.signalsMessage(r) ?? '');
    },
  });
});

test.group('mutant:fd-setsize-fallback: fds >= 1024 leak exactly where its fallback runs', () => {
  // In a single-kernel run its scenario forces the fallback; across personalities it runs as it is, and
  // only the kernels where close_range fails (linux-5.8, linux-5.2, container-eperm, linux-5.8+no-proc)
  // expose it.
  const forced = (): boolean => !runState().options.matrix;
  const HIGH: readonly BaitKind[] = ['high-fd', 'above-soft-limit'];
  auditMatrix({ launchers: ['mutant:fd-setsize-fallback'] }).run(async ({ audit, assert, kernel }, row) => {
    const r = await audit(row.launcher, { scenario: forced() });
    if (assertRefusedHere(assert, r, row.bait)) return;
    if ((forced() || !closeRangeWorks(kernel)) && HIGH.includes(row.bait)) assertCrossedAtOwnNumber(assert, r, row.bait);
    else assert.baitAsExpected(r, row.bait);
  });
});

test.group('container-eperm+huge-nofile: what each built-in launcher does where close_range is refused and RLIMIT_NOFILE is 1073741816', () => {
  /**
   * Docker on current systemd hosts gives containers a soft and hard RLIMIT_NOFILE of 1073741816; an
   * older seccomp profile there refuses close_range. A fallback that sweeps fd numbers up to the limit
   * then takes 2^30 steps per launch: the launch runs into the per-launch timeout and ends as `error`
   * naming it ('too slow'). Measured on Linux 6.18, with the default per-launch timeout (15 s) and with
   * a ten-minute one: every built-in launcher finishes in milliseconds there today, none is too slow.
   * A launch that blocks the launching thread cannot be cut short by a timer of that thread, hence the
   * long test timeout. The rows run only in this personality's worker.
   */
  type Verdict = 'sealed' | 'leak' | 'too slow' | { error: RegExp };
  const UNDER_HUGE_EPERM: Readonly<Record<string, Verdict>> = {
    ...Object.fromEntries(NODE.map((id) => [id, 'leak'])),
    // Its poll fallback is bounded by the child's own fd table, not by the limit: as fast as under
    // container-eperm (milliseconds; a bound that followed the hard limit swept 2^30 numbers, seconds).
    native: 'sealed',
    'native:leak': 'leak',
    fork: 'sealed',
    // glibc's closefrom walks /proc/self/fd when close_range fails: no sweep.
    posix_spawn: 'sealed',
    // Its scenario (the parent's stdin closed) makes its dup() collide on every kernel.
    'mutant:naive-dup': { error: /dup2 failed: EBADF/ },
    // Its own fallback closes below FD_SETSIZE only: no sweep, and fds >= 1024 leak.
    'mutant:fd-setsize-fallback': 'leak',
    'mutant:no-rlimit-reset': 'sealed',
    'mutant:no-signal-reset': 'sealed',
    // It looks for the highest stray fd with fcntl below the fd table's size, then renumbers it: the
    // above-soft-limit bait arrives at a low number.
    'mutant:low-renumber': 'leak',
    'mutant:forgets-keep': 'sealed',
    'mutant:leak-above-1023': 'leak',
    'mutant:rlimit-raised-if-parent': 'sealed',
    // CPython walks /proc/self/fd when close_range fails.
    'ext:python-subprocess': 'sealed',
    'ext:sh': 'leak',
    // Bun raises its soft limit to 2^20 at most, and its fallback goes no further than that.
    'ext:bun-spawn': 'sealed',
    'ext:bun-spawnSync': 'sealed',
    'ext:deno-command': 'leak',
    'ext:deno-child_process': 'leak',
    execa: 'leak',
    'cross-spawn': 'leak',
    'node-pty': 'leak',
  };
  const HUGE_EPERM = 'container-eperm+huge-nofile';
  const rows = (): { name: string; launcher: string }[] =>
    runState().options.kernel === HUGE_EPERM
      ? selectedLaunchers(Object.keys(UNDER_HUGE_EPERM)).map((launcher) => ({ name: testName(launcher, 'under container-eperm+huge-nofile'), launcher }))
      : [];

  rowsTest(rows).run(async ({ audit, assert }, row) => {
    const r = await audit(row.launcher);
    const want = UNDER_HUGE_EPERM[row.launcher];
    if (r.status === 'skipped') return assert.status(r, 'skipped');
    if (want === undefined) throw new Error(`no statement for ${row.launcher}`);
    if (want === 'too slow') {
      assert.status(r, 'error');
      assert.match(r.error ?? '', /did not finish within \d+ ms; (its process group was killed|it took \d+ ms)/, messages.unjudgedMessage(r));
      return;
    }
    if (typeof want === 'object') {
      assert.status(r, 'error');
      assert.match(r.error ?? '', want.error, messages.unjudgedMessage(r));
      return;
    }
    assert.status(r, want);
    // The child saw the emulated limit: the personality applied to the launch.
    assert.equal(r.rlimitNofile?.hard, HUGE_NOFILE, `${r.launcher}: the child's hard RLIMIT_NOFILE ${messages.kernelTag(r)}`);
  }).timeout(10 * 60_000);
});

/**
 * The native variants driven from TypeScript (launchVariantSync / launchVariant) on the real probe:
 * fork and posix_spawn seal; each mutant shows its flaw in its exposing scenario and behaves outside it.
 * Baits are matched in the child by identity, so a bait moved to another number is still found.
 */
import type { Assert } from '@japa/assert';
import { test } from '@japa/runner';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LaunchError } from '../../../src/launch/error.ts';
import type { LaunchOptions, LaunchSyncResult } from '../../../src/launch/types.ts';
import { launchVariant, launchVariantSync } from '../../../src/launch/variants.ts';
import { ignoredSignals } from '../../../src/launchers/host-signals.ts';
import * as fdops from '../../../src/native/fdops.ts';
import { describeFd } from '../../../src/probe/describe.ts';
import { readProbeReport } from '../../../src/probe/parse.ts';
import { probePath } from '../../../src/probe/path.ts';
import type { Limit, ProbeReport } from '../../../src/probe/types.ts';

const HIGH_FD = 1500;

/** The parent's side of every launch here: stdin/stdout sources (CLOEXEC), baits, a keep fd, a control. */
interface Baits {
  stdin: number;
  stdout: number;
  low: number;
  high: number;
  keep: number;
  cloexec: number;
  ids: { low: string; high: string; keep: string; cloexec: string };
}

function openBaits(): Baits {
  const opened: number[] = [];
  try {
    const stdin = fdops.open('/dev/null', 'r', true); opened.push(stdin);
    const stdout = fdops.open('/dev/null', 'w', true); opened.push(stdout);
    const [low, lowW] = fdops.pipe(); opened.push(low);
    fdops.close(lowW);
    const [h, hW] = fdops.pipe();
    fdops.close(hW);
    const high = (() => {
      try {
        return fdops.dupAbove(h, HIGH_FD);
      } finally {
        fdops.close(h);
      }
    })();
    opened.push(high);
    const [keep, keepW] = fdops.pipe(); opened.push(keep);
    fdops.close(keepW);
    const [cloexec, cW] = fdops.pipe(true); opened.push(cloexec);
    fdops.close(cW);
    const id = (fd: number): string => describeFd(fd).identity;
    return { stdin, stdout, low, high, keep, cloexec, ids: { low: id(low), high: id(high), keep: id(keep), cloexec: id(cloexec) } };
  } catch (err) {
    for (const fd of opened) fdops.close(fd);
    throw err;
  }
}

function closeBaits(b: Baits): void {
  for (const fd of [b.stdin, b.stdout, b.low, b.high, b.keep, b.cloexec]) if (fdops.isOpen(fd)) fdops.close(fd);
}

/** The pipe from which the high bait was duplicated is closed, so each bait is one open file. */
function withBaits<T>(fn: (b: Baits) => T): T {
  const b = openBaits();
  try {
    return fn(b);
  } finally {
    closeBaits(b);
  }
}

interface Seen {
  result: LaunchSyncResult;
  report: ProbeReport;
  fds: number[];
  /** Child fd holding the open file with this identity, or null. */
  at(identity: string): number | null;
}

/** Runs the probe with `variant`: stdio [stdin, stdout, 2] unless given, keep [b.keep] unless given. */
function probeWith(variant: string, b: Baits, options: LaunchOptions = {}, around?: (spawn: () => LaunchSyncResult) => LaunchSyncResult): Seen {
  const dir = mkdtempSync(join(tmpdir(), 'fdaudit-variants-'));
  try {
    const reportPath = join(dir, 'report.json');
    const spawn = (): LaunchSyncResult =>
      launchVariantSync(variant, probePath(), ['--report', reportPath], { stdio: [b.stdin, b.stdout, 2], keep: [b.keep], ...options });
    const result = around ? around(spawn) : spawn();
    const report = readProbeReport(reportPath);
    const fds = report.fds.map((f) => f.fd).sort((x, y) => x - y);
    return { result, report, fds, at: (identity) => report.fds.find((f) => f.identity === identity)?.fd ?? null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function soft(): Limit {
  return fdops.getRlimitNofile().soft;
}

/** Runs fn with the soft limit set to `value`, then puts the old one back. */
function withSoft<T>(value: Limit, fn: () => T): T {
  const before = fdops.getRlimitNofile();
  fdops.setRlimitNofile(value, before.hard);
  try {
    return fn();
  } finally {
    fdops.setRlimitNofile(before.soft, before.hard);
  }
}

/** Every non-CLOEXEC fd >= 3 this process holds besides `except` is made CLOEXEC for fn, then restored. */
function withoutStrays<T>(except: readonly number[], fn: () => T): T {
  const strays = fdops.openFds().filter((fd) => fd >= 3 && !except.includes(fd) && !fdops.getCloexec(fd));
  for (const fd of strays) fdops.setCloexec(fd, true);
  try {
    return fn();
  } finally {
    for (const fd of strays) if (fdops.isOpen(fd)) fdops.setCloexec(fd, false);
  }
}

/** Closes this process's fd 0 for the synchronous spawn only (as the audit's stdin-closed scenario does). */
function stdinClosed(spawn: () => LaunchSyncResult): LaunchSyncResult {
  const saved = fdops.dupAbove(0, 10, true);
  fdops.close(0);
  try {
    return spawn();
  } finally {
    fdops.dupTo(saved, 0, false);
    fdops.close(saved);
  }
}

function assertSealed(assert: Assert, s: Seen, b: Baits, keep: readonly number[], label: string): void {
  assert.deepEqual(s.fds, [0, 1, 2, ...keep], `${label}: exactly stdio and keep`);
  assert.isNull(s.at(b.ids.low), `${label}: low bait crossed`);
  assert.isNull(s.at(b.ids.high), `${label}: bait at ${HIGH_FD} crossed`);
  assert.isNull(s.at(b.ids.cloexec), `${label}: CLOEXEC control crossed`);
  for (const k of keep) assert.equal(s.at(describeFd(k).identity), k, `${label}: keep ${k} at its number`);
}

/**
 * The fds this process holds when a group starts, and the last test of the group: every launch, bait
 * and temp report of the group is closed again, so later specs do not see its fds as strays.
 */
function fdsBackAtGroupEnd(group: { setup(fn: () => void): void }): void {
  let atStart: number[] = [];
  group.setup(() => {
    atStart = fdops.openFds();
  });
  test('nothing the group opened is still open in this process', async ({ assert }) => {
    assert.isNotEmpty(atStart, 'the fd list was taken at the start');
    // An async launch closes its exit watch (a pidfd) just after delivering the exit: one turn later.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(fdops.openFds(), atStart);
  });
}

test.group('launcher variants from TypeScript: fork and posix_spawn', (group) => {
  test('fork seals, passes keep, resets the soft limit and every signal', ({ assert }) => {
    withBaits((b) => {
      const s = probeWith('fork', b);
      assertSealed(assert, s, b, [b.keep], 'fork');
      assert.equal(s.result.code, 0);
      assert.equal(s.result.closeStrategy, 'close_range');
      assert.equal(s.report.rlimitNofile.soft, 1024);
      // Node ignores SIGPIPE (and SIGXFSZ) in this process: fork resets them.
      assert.deepEqual(s.report.signals, { blocked: [], ignored: [] });
    });
  });

  test('posix_spawn seals with closefrom; the soft limit and glibc\'s SIG32/SIG33 show what glibc does', ({ assert }) => {
    withBaits((b) => {
      const s = probeWith('posix_spawn', b);
      assertSealed(assert, s, b, [b.keep], 'posix_spawn');
      assert.equal(s.result.closeStrategy, 'close_range');
      assert.equal(s.report.rlimitNofile.soft, soft(), 'glibc cannot lower the soft limit');
      assert.deepEqual(s.report.signals.blocked, []);
      assert.sameMembers(s.report.signals.ignored, ['SIG32', 'SIG33']);
    });
  });

  test('{$self}: a failed launch throws LaunchError with its step, reaps the child, leaks no fd')
    .with(['fork', 'posix_spawn', 'mutant:forgets-keep'])
    .run(({ assert }, variant) => {
      const before = fdops.openFds();
      const err = (() => {
        try {
          launchVariantSync(variant, '/bin/true', [], { cwd: '/nonexistent/fdaudit-dir' });
        } catch (e) {
          return e;
        }
        return null;
      })();
      assert.instanceOf(err, LaunchError);
      assert.equal((err as LaunchError).code, 'ENOENT');
      assert.equal((err as LaunchError).syscall, variant === 'posix_spawn' ? 'posix_spawn' : 'chdir');
      assert.deepEqual(fdops.zombieChildren(), []);
      assert.deepEqual(fdops.openFds(), before);
    });

  test('launchVariant (async) reports the exit without blocking', async ({ assert }) => {
    const h = launchVariant('fork', '/bin/sh', ['-c', 'exit 7'], { stdio: [null, 1, 2] });
    assert.isAbove(h.pid, 0);
    assert.equal(h.closeStrategy, 'close_range');
    assert.deepEqual(await h.exited, { code: 7, signal: null });
  });

  test('unknown or empty variant names are refused before anything starts', ({ assert }) => {
    assert.throws(() => launchVariantSync('mutant:nope', '/bin/true', []), RangeError, /unknown launcher variant 'mutant:nope'/);
    assert.throws(() => launchVariantSync('', '/bin/true', []), TypeError);
    assert.deepEqual(fdops.zombieChildren(), []);
  });

  fdsBackAtGroupEnd(group);
});

test.group('launcher variants from TypeScript: each mutant caught, and right outside its scenario', (group) => {
  test('mutant:naive-dup: parent stdin closed and slot 0 closed fails with EBADF; fork launches', ({ assert }) => {
    withBaits((b) => {
      const plan: LaunchOptions = { stdio: [null, b.stdout, b.stdout] };
      const ok = probeWith('fork', b, plan, stdinClosed);
      assert.notInclude(ok.fds, 0);
      assert.throws(() => probeWith('mutant:naive-dup', b, plan, stdinClosed), /dup2 failed: EBADF/);
      assert.deepEqual(fdops.zombieChildren(), []);
      assertSealed(assert, probeWith('mutant:naive-dup', b), b, [b.keep], 'naive-dup, stdin open');
    });
  });

  test('mutant:fd-setsize-fallback: a forced fallback lets the fd at 1500 through; auto seals', ({ assert }) => {
    withBaits((b) => {
      const forced = probeWith('mutant:fd-setsize-fallback', b, { closeStrategy: 'loop' });
      assert.equal(forced.at(b.ids.high), HIGH_FD);
      assert.isNull(forced.at(b.ids.low));
      assert.equal(forced.result.closeStrategy, 'loop');
      const auto = probeWith('mutant:fd-setsize-fallback', b);
      assertSealed(assert, auto, b, [b.keep], 'fd-setsize-fallback, auto');
      assert.equal(auto.result.closeStrategy, 'close_range');
    });
  });

  test('mutant:no-rlimit-reset: the parent\'s raised soft limit crosses; an unraised one is kept as by fork', ({ assert }) => {
    withBaits((b) => {
      const raised = soft();
      assert.isTrue(raised === 'unlimited' || raised > 1024, 'Node raises its soft limit at start-up');
      assert.equal(probeWith('mutant:no-rlimit-reset', b).report.rlimitNofile.soft, raised);
      withSoft(1000, () => {
        assert.equal(probeWith('mutant:no-rlimit-reset', b).report.rlimitNofile.soft, 1000);
        assert.equal(probeWith('fork', b).report.rlimitNofile.soft, 1000);
      });
    });
  });

  test('mutant:rlimit-raised-if-parent: 2048 is reset (a naive check passes); Node\'s raised limit crosses', ({ assert }) => {
    withBaits((b) => {
      withSoft(2048, () => assert.equal(probeWith('mutant:rlimit-raised-if-parent', b).report.rlimitNofile.soft, 1024));
      const hard = fdops.getRlimitNofile().hard;
      withSoft(hard, () => assert.equal(probeWith('mutant:rlimit-raised-if-parent', b).report.rlimitNofile.soft, hard));
    });
  });

  test('mutant:no-signal-reset: the parent\'s blocked and ignored signals cross; a clean parent gives a clean child', ({ assert }) => {
    withBaits((b) => {
      const restore = fdops.applySignalState({ blocked: ['SIGUSR1'], ignored: ['SIGUSR2'] });
      let exposed: Seen;
      let sealed: Seen;
      try {
        exposed = probeWith('mutant:no-signal-reset', b);
        sealed = probeWith('fork', b);
      } finally {
        restore();
      }
      assert.include(exposed.report.signals.blocked, 'SIGUSR1');
      assert.include(exposed.report.signals.ignored, 'SIGUSR2');
      assert.deepEqual(sealed.report.signals, { blocked: [], ignored: [] });

      const restoreClean = fdops.applySignalState({ defaulted: ignoredSignals() });
      let clean: Seen;
      try {
        clean = probeWith('mutant:no-signal-reset', b);
      } finally {
        restoreClean();
      }
      assert.deepEqual(clean.report.signals, { blocked: [], ignored: [] });
      assertSealed(assert, clean, b, [b.keep], 'no-signal-reset');
    });
  });

  test('mutant:low-renumber: the bait at 1500 is found by identity at fd 3; without strays it seals', ({ assert }) => {
    withBaits((b) => {
      const s = probeWith('mutant:low-renumber', b);
      assert.equal(s.at(b.ids.high), 3, 'the highest stray moved to the first free low number');
      assert.notInclude(s.fds, HIGH_FD);
      const clean = withoutStrays([b.keep], () => probeWith('mutant:low-renumber', b));
      assertSealed(assert, clean, b, [b.keep], 'low-renumber without strays');
    });
  });

  test('mutant:forgets-keep: the keep fd does not cross; without keep it seals', ({ assert }) => {
    withBaits((b) => {
      const s = probeWith('mutant:forgets-keep', b);
      assert.isNull(s.at(b.ids.keep));
      assert.deepEqual(s.fds, [0, 1, 2]);
      assertSealed(assert, probeWith('mutant:forgets-keep', b, { keep: [] }), b, [], 'forgets-keep without keep');
      assertSealed(assert, probeWith('fork', b), b, [b.keep], 'fork with the same keep');
    });
  });

  test('mutant:leak-above-1023: the fd at 1500 crosses under close_range; none above 1023 seals', ({ assert }) => {
    withBaits((b) => {
      const s = probeWith('mutant:leak-above-1023', b);
      assert.equal(s.at(b.ids.high), HIGH_FD);
      assert.isNull(s.at(b.ids.low));
      assert.equal(s.result.closeStrategy, 'close_range');
      fdops.setCloexec(b.high, true);
      assertSealed(assert, probeWith('mutant:leak-above-1023', b), b, [b.keep], 'leak-above-1023, nothing above 1023');
    });
  });

  fdsBackAtGroupEnd(group);
});

/**
 * The native launcher variants (native/variants) through their C driver, fdaudit-variants-test: fork
 * and posix_spawn seal; each mutant shows its flaw where it is exposed and behaves outside it.
 */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { nativePath } from '../../../src/native/paths.ts';
import { markTest } from '../../../src/runner/marks.ts';

const VARIANTS = ['fork', 'posix_spawn'] as const;
/** Each mutant with the driver's wording of its negative control: a launch outside the exposing scenario judged right. */
const MUTANTS = [
  { id: 'mutant:naive-dup', control: '(parent fd 0 open): child has exactly' },
  { id: 'mutant:fd-setsize-fallback', control: '(auto: close_range): no bait crossed' },
  { id: 'mutant:no-rlimit-reset', control: '(parent soft 1000): same limit as the sealed launcher' },
  { id: 'mutant:no-signal-reset', control: "(parent blocks and ignores nothing): child's blocked mask is the plan's" },
  { id: 'mutant:low-renumber', control: '(no non-CLOEXEC stray in the parent): child has exactly' },
  { id: 'mutant:forgets-keep', control: '(no keep fds): child has exactly' },
  { id: 'mutant:leak-above-1023', control: '(no non-CLOEXEC fd >= 1024): no bait crossed' },
  { id: 'mutant:rlimit-raised-if-parent', control: 'slips past a naive check' },
] as const;

interface DriverRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  passed: string[];
  failed: string[];
}

/** The driver, or with `kernel` the driver under that personality (fdaudit-kernel --as). */
function runDriver(args: string[] = [], kernel?: string): DriverRun {
  const driver = nativePath('fdaudit-variants-test');
  const [file, argv] = kernel === undefined ? [driver, args] : [nativePath('fdaudit-kernel'), ['--as', kernel, '--', driver, ...args]];
  const r = spawnSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  const lines = r.stdout.split('\n');
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    passed: lines.filter((l) => l.startsWith('ok ')).map((l) => l.replace(/^ok \d+ - /, '')),
    failed: lines.filter((l) => l.startsWith('not ok ')).map((l) => l.replace(/^not ok \d+ - /, '')),
  };
}

let cached: DriverRun | undefined;
function fullRun(): DriverRun {
  cached ??= runDriver();
  return cached;
}

const about = (lines: string[], id: string): string[] => lines.filter((l) => l.startsWith(`${id}:`) || l.startsWith(`${id} `));

test.group('launcher variants: C driver', () => {
  test('every check of the driver passes', ({ assert }) => {
    const run = fullRun();
    assert.deepEqual(run.failed, [], run.stdout);
    assert.equal(run.status, 0, run.stderr);
    const summary = /^# (\d+) checks, (\d+) failed$/m.exec(run.stdout);
    assert.isNotNull(summary, 'the driver prints its summary line');
    assert.isAtLeast(Number(summary?.[1]), 150);
    assert.equal(summary?.[2], '0');
  });

  test('the harness sees a leak: an unsealed launch passes the baits, never the CLOEXEC one', ({ assert }) => {
    const control = fullRun().passed.filter((l) => l.startsWith('control:'));
    assert.lengthOf(control, 3);
    assert.isTrue(control.some((l) => l.includes('leaks the low, >= 1024 and above-limit baits')));
  });

  test('{$self} seals: no bait, exact fds, clean signals, failures reaped')
    .with([...VARIANTS])
    .run(({ assert }, id) => {
      const run = fullRun();
      assert.deepEqual(about(run.failed, id), []);
      const passed = about(run.passed, id);
      assert.isAtLeast(passed.filter((l) => l.includes('no bait crossed')).length, 4);
      assert.isTrue(passed.some((l) => l.includes('collision-safe')));
      assert.isTrue(passed.some((l) => l.includes('no zombie')));
      assert.isTrue(passed.some((l) => l.includes('no fd leaked in the parent')));
    });

  test('fork lowers the soft limit; posix_spawn hands the parent\'s on (glibc cannot lower it)', ({ assert }) => {
    const passed = fullRun().passed;
    assert.isTrue(passed.some((l) => l.startsWith('fork (raised limit') && l.includes('expected 1024')));
    assert.isTrue(passed.some((l) => l.startsWith('posix_spawn (raised limit') && l.includes('glibc cannot change it')));
  });

  test('{id} shows its flaw in its scenario and behaves outside it')
    .with([...MUTANTS])
    .run(({ assert }, { id, control }) => {
      const run = fullRun();
      assert.deepEqual(about(run.failed, id), []);
      const passed = about(run.passed, id);
      assert.isAtLeast(passed.filter((l) => l.includes(' shows ')).length, 1, `${id}: flaw exposed`);
      assert.isTrue(passed.some((l) => l.includes(control)), `${id}: behaves outside its scenario`);
      assert.isTrue(passed.some((l) => l.includes('missing program fails with ENOENT at execve, reaped')));
    });

  test('the same checks pass with the variants and the core under ASan and UBSan', ({ assert }) => {
    const r = spawnSync(nativePath('fdaudit-variants-test-san'), [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.status, 0, `${r.stdout.split('\n').filter((l) => l.startsWith('not ok')).join('\n')}\n${r.stderr}`);
    assert.notMatch(r.stderr, /AddressSanitizer|runtime error/);
    assert.match(r.stdout, /^# \d+ checks, 0 failed$/m);
  });

  test('the driver fails when the child reports nothing', ({ assert }) => {
    const run = runDriver(['--seen', '/bin/true', '--only', 'fork']);
    assert.equal(run.status, 1);
    assert.isAbove(run.failed.length, 0);
    assert.isTrue(run.failed.some((l) => l.includes('the child reported')));
  });

  test('an unknown variant name is refused with usage status 2', ({ assert }) => {
    const run = runDriver(['--only', 'mutant:nope']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown variant 'mutant:nope'/);
  });
});

/** Kernel personalities (DESIGN.md §5) with what the driver must then see. */
const PERSONALITIES = [
  { kernel: 'linux-5.10', closeRange: true, proc: true },
  { kernel: 'linux-5.8', closeRange: false, proc: true },
  { kernel: 'linux-5.2', closeRange: false, proc: true },
  { kernel: 'container-eperm', closeRange: false, proc: true },
  { kernel: 'no-proc', closeRange: true, proc: false },
  { kernel: 'linux-5.8+no-proc', closeRange: false, proc: false },
] as const;

test.group('launcher variants: C driver under kernel personalities', () => {
  test('{kernel}')
    .with([...PERSONALITIES])
    .run(({ assert }, p) => {
      const run = runDriver([], p.kernel);
      if (run.status === 3) {
        // fdaudit-kernel: the personality is unavailable here (no seccomp or namespaces): a visible skip.
        assert.match(run.stderr, /unavailable here/);
        markTest({ skipped: `the ${p.kernel} personality is unavailable here: ${run.stderr.trim().split('\n').pop() ?? ''}` });
        return;
      }
      assert.deepEqual(run.failed, [], run.stdout);
      assert.equal(run.status, 0, run.stderr);
      const kernelLine = /^# kernel: close_range (works|refused), \/proc (mounted|hidden)$/m.exec(run.stdout);
      assert.deepEqual(kernelLine?.slice(1), [p.closeRange ? 'works' : 'refused', p.proc ? 'mounted' : 'hidden']);
      const passed = run.passed;
      if (!p.closeRange) {
        // The kernel, not a forced strategy, exposes the FD_SETSIZE fallback.
        assert.isTrue(passed.some((l) => l.includes('close_range refused by the kernel): the fd at 1500 reaches the child')));
        assert.isTrue(passed.some((l) => l.startsWith('fork: sealed with a fallback')));
      }
      if (!p.closeRange && !p.proc) {
        assert.isTrue(passed.some((l) => l.includes('closefrom cannot seal and the spawn fails')));
      } else {
        assert.isTrue(passed.some((l) => l.startsWith('posix_spawn (raised limit') && l.includes('no bait crossed')));
      }
      for (const m of MUTANTS) assert.isTrue(passed.some((l) => l.startsWith(m.id) && l.includes(' shows ')), `${m.id} exposed`);
    });
});

/**
 * The launcher core's own C test driver (native/launch/test_launch.c), built
 * plain and under -fsanitize=address,undefined by the same CMakeLists.txt,
 * run on the host and, plain, under kernel personalities that refuse
 * close_range and the syscalls its fallbacks use.
 */
import type { Assert } from '@japa/assert';
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nativeOutDir } from '../../../src/native/paths.ts';
import { hostAllows } from './helpers.ts';

interface DriverRun {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function runDriver(exe: string, wrapper: string[] = [], env: Record<string, string> = {}): DriverRun {
  const path = join(nativeOutDir, exe);
  if (!existsSync(path)) {
    const why = exe.endsWith('-san') ? ' (built only where the C compiler has the ASan/UBSan runtimes)' : '';
    throw new Error(`${path} is missing: build the native parts first${why}`);
  }
  const [cmd, ...args] = [...wrapper, path];
  const r = spawnSync(cmd as string, args, {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, ...env },
    // The driver floods itself with SIGUSR1/SIGUSR2 and lowers its own limits: keep it in its own process.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function assertClean(assert: Assert, r: DriverRun): void {
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.signal, null, out);
  assert.notMatch(out, /FAIL /, out);
  assert.match(r.stdout, /^[1-9]\d* passed, 0 failed$/m, out);
  assert.equal(r.status, 0, out);
}

const kernel = (as: string, ...deny: string[]): string[] => [
  join(nativeOutDir, 'fdaudit-kernel'),
  '--as',
  as,
  ...deny.flatMap((d) => ['--deny', d]),
  '--',
];

test.group('C test driver for native/launch', () => {
  test('plain build passes on the host', ({ assert }) => {
    assertClean(assert, runDriver('fdaudit-launch-test'));
  }).timeout(300_000);

  test('AddressSanitizer + UndefinedBehaviorSanitizer build passes with no report', ({ assert }) => {
    const r = runDriver('fdaudit-launch-test-san', [], { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' });
    assert.notMatch(r.stderr, /ERROR: AddressSanitizer|runtime error:|LeakSanitizer/, r.stderr);
    assertClean(assert, r);
  }).timeout(300_000);

  // What the driver must find refused (its first line), so a wrapper that did nothing cannot pass as one that did.
  // [name, wrapper, what the driver must find allowed, launches of the "many" test, only these tests]
  const personalities: Array<[string, string[], string, string?, string?]> = [
    ['linux-5.8', kernel('linux-5.8'), 'close_range 0, /proc walk 1, poll 1'],
    ['container-eperm', kernel('container-eperm'), 'close_range 0, /proc walk 1, poll 1'],
    ['linux-5.10', kernel('linux-5.10'), 'close_range 1, /proc walk 1, poll 1'],
    ['no-proc', kernel('no-proc'), 'close_range 1, /proc walk 0, poll 1'],
    ['linux-5.8+no-proc', kernel('linux-5.8+no-proc'), 'close_range 0, /proc walk 0, poll 1'],
    [
      'no /proc, close_range + poll + ppoll + getdents64 refused',
      kernel('linux-5.8+no-proc', 'poll=EPERM', 'ppoll=EPERM', 'getdents64=EPERM'),
      'close_range 0, /proc walk 0, poll 0',
    ],
    // The child's bound from FDSize in /proc/self/status when select is refused...
    ['select and pselect6 refused (the bound read from /proc)', kernel('linux-5.8', 'select=EPERM', 'pselect6=EPERM'), 'close_range 0, /proc walk 1, poll 1'],
    // ...and nr_open, the last resort, when /proc is hidden too.
    [
      'no /proc, close_range + poll + ppoll + getdents64 + select refused (the nr_open bound)',
      kernel('linux-5.8+no-proc', 'poll=EPERM', 'ppoll=EPERM', 'getdents64=EPERM', 'select=EPERM', 'pselect6=EPERM'),
      'close_range 0, /proc walk 0, poll 0',
      // Every sealed launch closes 2^20 numbers here: fewer of them, and only the checks of what the
      // seal leaves open (the rest of the driver does not depend on the bound).
      '20',
      'true,sealing,bound,strays,full,stdio',
    ],
  ];
  for (const [name, wrapper, allows, launches, only] of personalities) {
    test(`plain build passes under ${name}`, ({ assert }) => {
      const r = runDriver('fdaudit-launch-test', wrapper, { FDA_TEST_LAUNCHES: launches ?? '150', FDA_TEST_ONLY: only ?? '' });
      if (only) assert.sameMembers(r.stdout.match(/^(\S+) +done in/gm)?.map((l) => l.split(' ')[0]) ?? [], only.split(','), 'exactly the selected checks ran');
      // A personality the whole suite runs under (seccomp stacks) refuses on top of this one.
      let expected = allows;
      if (!hostAllows.closeRange()) expected = expected.replace('close_range 1', 'close_range 0');
      if (!hostAllows.proc()) expected = expected.replace('/proc walk 1', '/proc walk 0');
      assert.include(r.stdout, `kernel allows: ${expected}`);
      assertClean(assert, r);
    }).timeout(300_000);
  }
});

/**
 * A child that dies before execve — here killed by a seccomp filter
 * (fdaudit-fault) on a call only the launcher's child makes — is never handed
 * back as a launched program: launchSync and launch() throw a LaunchError
 * naming the step it was in and the signal, the child is reaped, no fd is
 * left. In every close strategy, with the variants that share the core's
 * steps, under the kernel personalities, and with SIGCHLD ignored. The
 * control beside each: the same launch without the fatal call runs.
 */
import type { Assert } from '@japa/assert';
import { test } from '@japa/runner';
import { existsSync } from 'node:fs';
import { CLOSE_STRATEGIES } from '../../../src/launch/types.ts';
import { nativePath } from '../../../src/native/paths.ts';
import type { EdgeLaunch, EdgeOutcome, EdgeResult } from './edge.fixture.ts';
import { hostAllows, killingOn, runEdge, underKernel } from './helpers.ts';

const STRATEGIES = ['auto', ...CLOSE_STRATEGIES] as const;
const faultTool = (): boolean => existsSync(nativePath('fdaudit-fault'));

/** What the personality (and whatever the whole suite runs under) refuses, so a forced strategy fails before the kill. */
function refusedUnder(kernel: string): string[] {
  const refused: string[] = [];
  if (!hostAllows.closeRange() || /linux-5\.(2|8)|container-eperm/.test(kernel)) refused.push('close_range');
  if (!hostAllows.proc() || kernel.includes('no-proc')) refused.push('proc');
  return refused;
}

function assertKilled(assert: Assert, o: EdgeOutcome | undefined, step: string, what: string): void {
  assert.isDefined(o, what);
  assert.isUndefined(o!.ok, `${what}: never handed back as launched (${JSON.stringify(o!.ok)})`);
  assert.equal(o!.error?.name, 'LaunchError', `${what}: ${o!.error?.message}`);
  assert.equal(o!.error?.syscall, step, `${what}: the step it was in`);
  assert.equal(o!.error?.signal, 'SIGSYS', `${what}: the signal that killed it`);
  assert.equal(o!.error?.code, 'ESIGNAL');
  assert.equal(o!.error?.errno, 0);
  assert.include(o!.error!.message, `killed by SIGSYS during ${step}`);
}

function assertClean(assert: Assert, r: EdgeResult): void {
  assert.deepEqual(r.newFds, [], `no fd left open in the parent (no pidfd, no pipe): ${r.newFdTargets.join(', ')}`);
  if (r.zombies !== null) assert.deepEqual(r.zombies, [], 'every child reaped');
}

/** Per strategy: a launch that lowers RLIMIT_NOFILE (killed), then its control with rlimit 'inherit'. */
function rlimitLaunches(): EdgeLaunch[] {
  return STRATEGIES.flatMap((s) => [
    { options: { closeStrategy: s } },
    { options: { closeStrategy: s, rlimit: 'inherit' as const } },
  ]);
}

function checkRlimitRun(assert: Assert, r: EdgeResult, kernel: string): void {
  const refused = refusedUnder(kernel);
  STRATEGIES.forEach((s, i) => {
    const killed = r.launches[2 * i];
    const control = r.launches[2 * i + 1];
    if (refused.includes(s)) {
      // Refused here: the forced strategy fails at its own step, before RLIMIT_NOFILE, without a signal.
      assert.equal(killed?.error?.name, 'LaunchError', `${s}: ${JSON.stringify(killed)}`);
      assert.include(['close_range', 'close'], killed!.error!.syscall!);
      assert.isNull(killed!.error!.signal ?? null);
      return;
    }
    assertKilled(assert, killed, 'setrlimit', `${kernel}, ${s}`);
    assert.isUndefined(control?.error, `control ${s}: ${control?.error?.message}`);
    assert.deepEqual(control!.ok && [control!.ok.code, control!.ok.signal], [0, null], `control ${s} runs the program`);
    assert.deepEqual(control!.seen!.fds.map((f) => f.fd), [0, 1, 2], `control ${s} sealed`);
  });
  assertClean(assert, r);
}

test.group('launch: a child killed before execve', (group) => {
  group.each.setup(() => {
    if (!faultTool()) throw new Error(`${nativePath('fdaudit-fault')} is missing: build the native parts first`);
  });

  test('killed at setrlimit (seccomp kill of prlimit64): LaunchError with step and signal in every strategy; control runs', ({ assert }) => {
    const r = runEdge({ launches: rlimitLaunches() }, killingOn('prlimit64'));
    checkRlimitRun(assert, r, 'host');
  }).timeout(120_000);

  test('the same with launch(): it throws, no handle and no pid; control resolves', ({ assert }) => {
    const r = runEdge({
      launches: [
        { async: true, options: {} },
        { async: true, options: { rlimit: 'inherit' } },
        { async: true, watch: 'pidfd', options: {} },
      ],
    }, killingOn('prlimit64'));
    assertKilled(assert, r.launches[0], 'setrlimit', 'launch()');
    assert.deepEqual(r.launches[1]?.ok && [r.launches[1].ok.code, r.launches[1].ok.signal], [0, null], 'control');
    assertKilled(assert, r.launches[2], 'setrlimit', 'spawn asked for a pidfd');
    assertClean(assert, r);
  }).timeout(120_000);

  test('killed at setpgid (processGroup): the step is setpgid; control without a process group runs', ({ assert }) => {
    const r = runEdge({
      launches: [
        { options: { processGroup: true } },
        { options: { processGroup: true, closeStrategy: 'poll' } },
        { options: {} },
      ],
    }, killingOn('setpgid'));
    assertKilled(assert, r.launches[0], 'setpgid', 'auto');
    assertKilled(assert, r.launches[1], 'setpgid', 'poll');
    assert.deepEqual(r.launches[2]?.ok && [r.launches[2].ok.code, r.launches[2].ok.signal], [0, null], 'control');
    assertClean(assert, r);
  }).timeout(120_000);

  test('with SIGCHLD ignored in the parent the signal is still known (the child has no exit signal until execve)', ({ assert }) => {
    const r = runEdge({
      ignoreSigchld: true,
      launches: [{ options: {} }, { options: { closeStrategy: 'loop' } }, { async: true, options: {} }, { options: { rlimit: 'inherit' } }],
    }, killingOn('prlimit64'));
    assertKilled(assert, r.launches[0], 'setrlimit', 'auto, SIGCHLD ignored');
    assertKilled(assert, r.launches[1], 'setrlimit', 'loop, SIGCHLD ignored');
    assertKilled(assert, r.launches[2], 'setrlimit', 'launch(), SIGCHLD ignored');
    // The control runs; after execve its exit status is the kernel's to discard (SIGCHLD ignored): both null.
    assert.isUndefined(r.launches[3]?.error, r.launches[3]?.error?.message);
    assert.deepEqual(r.launches[3]?.ok && [r.launches[3].ok.code, r.launches[3].ok.signal], [null, null]);
    assert.equal(r.sigchldAfter, 'ignore', 'the launcher left the disposition alone');
    assertClean(assert, r);
  }).timeout(120_000);

  test('variants built on the core steps report it the same way: {$self}')
    .with(['fork', 'mutant:naive-dup', 'mutant:no-rlimit-reset'])
    .run(({ assert }, variant) => {
      const r = runEdge({
        launches: [{ variant, options: {} }, { variant, options: { rlimit: 'inherit' } }],
      }, killingOn('prlimit64'));
      if (variant === 'mutant:no-rlimit-reset') {
        // Keeps the parent's limit, so it never makes the fatal call: the flaw the audit catches, not this one.
        assert.deepEqual(r.launches[0]?.ok && [r.launches[0].ok.code, r.launches[0].ok.signal], [0, null]);
      } else {
        assertKilled(assert, r.launches[0], 'setrlimit', variant);
      }
      assert.deepEqual(r.launches[1]?.ok && [r.launches[1].ok.code, r.launches[1].ok.signal], [0, null], `control ${variant}`);
      assertClean(assert, r);
    }).timeout(120_000);
});

const PERSONALITIES = ['linux-5.8', 'container-eperm', 'linux-5.2', 'no-proc', 'linux-5.8+no-proc'];

test.group('launch: a child killed before execve, under kernel personalities', (group) => {
  group.each.setup(() => {
    if (!faultTool()) throw new Error(`${nativePath('fdaudit-fault')} is missing: build the native parts first`);
  });

  for (const kernel of PERSONALITIES) {
    test(`${kernel}: killed at setrlimit in every strategy the kernel allows; controls run`, ({ assert }) => {
      const r = runEdge({ launches: rlimitLaunches() }, [...underKernel(kernel), ...killingOn('prlimit64')]);
      checkRlimitRun(assert, r, kernel);
    }).timeout(120_000);
  }
});

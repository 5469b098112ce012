/**
 * The mutation check: the shipped audit suite's expectations for `native`, run against every flawed
 * launcher in its place, must fail, and fail in the check written for that flaw.
 *
 * Each run is `fdaudit run --launcher native --substitute native=SUBSTITUTE` over the whole shipped suite
 * (wherever native's expectations live in it), with the default bait set. The substitute keeps the id
 * `native` and brings its own exposing scenario (stdin closed, a forced fallback, a raised soft limit,
 * blocked and ignored signals): naive-dup and fd-setsize-fallback need theirs to show at all on this
 * kernel (tested below). Next to it the control: the same run without a substitution exits 0.
 *
 * | substitute                      | caught by (junit testcase)                  | failure message             |
 * |---------------------------------|---------------------------------------------|-----------------------------|
 * | native:leak                     | native › file … native › above-soft-limit   | native leaked KIND fd N     |
 * | mutant:naive-dup                | native › file, › passed, › soft limit …     | could not be audited: dup2 EBADF |
 * | mutant:fd-setsize-fallback      | native › high-fd, native › above-soft-limit | native leaked KIND fd N     |
 * | mutant:no-rlimit-reset          | native › soft limit                         | soft RLIMIT_NOFILE of N, above 1024 |
 * | mutant:no-signal-reset          | native › signals                            | left … ignored and SIGUSR1 blocked |
 * | mutant:low-renumber             | native › above-soft-limit                   | fd N -> child fd (one digit) |
 * | mutant:forgets-keep             | native › passed                             | did not pass passed fd N    |
 * | mutant:leak-above-1023          | native › high-fd, native › above-soft-limit | native leaked KIND fd N     |
 * | mutant:rlimit-raised-if-parent  | native › soft limit                         | soft RLIMIT_NOFILE of N, above 1024 |
 *
 * Other tests may fail too (`native › close strategy` for native:leak and fd-setsize-fallback, every row
 * for naive-dup): their count is printed, not required. The control also proves every testcase named in
 * the table exists and passes for the real native, so a renamed check fails there, by name.
 */
import { test } from '@japa/runner';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { audit } from '../../../src/audit/audit.ts';
import type { AuditReport, AuditResult } from '../../../src/audit/types.ts';
import { BAIT_KINDS } from '../../../src/bait/types.ts';
import { buildRunPlan } from '../../../src/orchestrate/plan.ts';
import { UsageError } from '../../../src/orchestrate/errors.ts';
import { clearSubstitutes, getLauncher, launchers, launcherSubstitutes, substituteLauncher } from '../../../src/launchers/registry.ts';
import { runCli, tempDir, type CliRun } from '../cli/helpers.ts';

interface Catch {
  /** The launcher run in place of native. */
  substitute: string;
  /** junit testcases (names without the kernel tag) that must each fail, with `message`. */
  caughtBy: string[];
  message: RegExp;
  /** What audit.json must show of the `native` row: status, and the substitute's scenario (null: none). */
  status: AuditResult['status'];
  scenario: RegExp | null;
  /** Further facts of the `native` row in audit.json. */
  result?: (r: AuditResult) => string | null;
}

const LEAKING_KINDS = BAIT_KINDS.filter((k) => k !== 'cloexec' && k !== 'passed');
const leakedAtOwnNumber = /^native leaked (\S+) fd (\d+) -> child fd \2 /;

const CATCHES: Catch[] = [
  {
    substitute: 'native:leak',
    caughtBy: LEAKING_KINDS.map((k) => `native › ${k}`),
    message: leakedAtOwnNumber,
    status: 'leak',
    scenario: null,
  },
  {
    substitute: 'mutant:naive-dup',
    caughtBy: ['native › file', 'native › passed', 'native › soft limit', 'native › signals', 'native › extra fds'],
    message: /^native could not be audited: .*(dup2|EBADF)/,
    status: 'error',
    scenario: /^parent stdin closed/,
  },
  {
    substitute: 'mutant:fd-setsize-fallback',
    caughtBy: ['native › high-fd', 'native › above-soft-limit'],
    message: leakedAtOwnNumber,
    status: 'leak',
    scenario: /forced to loop/,
    result: (r) => (r.closeStrategy === 'loop' ? null : `closeStrategy ${r.closeStrategy}, expected loop`),
  },
  {
    substitute: 'mutant:no-rlimit-reset',
    caughtBy: ['native › soft limit'],
    message: /^native hands the child a soft RLIMIT_NOFILE of (\d+|unlimited), above 1024/,
    status: 'sealed',
    scenario: /^parent soft limit/,
  },
  {
    substitute: 'mutant:no-signal-reset',
    caughtBy: ['native › signals'],
    message: /^native left .*SIGUSR2.* ignored and SIGUSR1 blocked/,
    status: 'sealed',
    scenario: /SIGUSR1 blocked, SIGUSR2 ignored/,
  },
  {
    substitute: 'mutant:low-renumber',
    caughtBy: ['native › above-soft-limit'],
    // Only identity matching finds it: the bait arrives at a low number, not at its own.
    message: /^native leaked above-soft-limit fd \d{4,} -> child fd \d /,
    status: 'leak',
    scenario: null,
    result: (r) => (r.extraFds.length === 0 ? null : `extra fds ${JSON.stringify(r.extraFds)}: the moved bait was not recognised`),
  },
  {
    substitute: 'mutant:forgets-keep',
    caughtBy: ['native › passed'],
    message: /^native did not pass passed fd \d+ /,
    status: 'sealed',
    scenario: null,
  },
  {
    substitute: 'mutant:leak-above-1023',
    caughtBy: ['native › high-fd', 'native › above-soft-limit'],
    message: leakedAtOwnNumber,
    status: 'leak',
    scenario: null,
    result: (r) => (r.closeStrategy === 'close_range' ? null : `closeStrategy ${r.closeStrategy}, expected close_range`),
  },
  {
    substitute: 'mutant:rlimit-raised-if-parent',
    caughtBy: ['native › soft limit'],
    message: /^native hands the child a soft RLIMIT_NOFILE of (\d+|unlimited), above 1024/,
    status: 'sealed',
    scenario: /^parent soft limit/,
  },
];

/** How many `fdaudit run` processes at a time (each launches the probe, baits, python3 and sh). */
const CONCURRENCY = 2;
const CONTROL = 'none (control)';

interface Testcase {
  /** Name as in junit.xml, without the trailing ` [host]`. */
  name: string;
  failure: string | null;
}

interface Outcome {
  run: CliRun;
  testcases: Testcase[];
  report: AuditReport | null;
  /** Why the reports could not be read (null when both were). */
  readError: string | null;
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] ?? '');
}

function parseJunit(xml: string): Testcase[] {
  const out: Testcase[] = [];
  const re = /<testcase [^>]*name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const failure = /<failure message="([^"]*)"/.exec(m[3] ?? '');
    out.push({ name: unescapeXml(m[1] ?? '').replace(/ \[host\]$/, ''), failure: failure ? unescapeXml(failure[1] ?? '') : null });
  }
  return out;
}

async function runOne(dir: string, substitute: string | null, index: number): Promise<Outcome> {
  const out = join(dir, `reports-${index}`);
  const args = ['run', '--launcher', 'native', '--reporter', 'json,junit', '--out', out];
  if (substitute) args.push('--substitute', `native=${substitute}`);
  const run = await runCli(args);
  try {
    const testcases = parseJunit(readFileSync(join(out, 'junit.xml'), 'utf8'));
    const report = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8')) as AuditReport;
    return { run, testcases, report, readError: null };
  } catch (err) {
    return { run, testcases: [], report: null, readError: (err as Error).message };
  }
}

/** Runs the control and every substitution, CONCURRENCY at a time; one promise per run. */
function startRuns(dir: string): Map<string, Promise<Outcome>> {
  const jobs: (string | null)[] = [null, ...CATCHES.map((c) => c.substitute)];
  const settle = new Map<string | null, { resolve: (o: Outcome) => void; reject: (e: unknown) => void }>();
  const outcomes = new Map<string, Promise<Outcome>>();
  for (const job of jobs) {
    outcomes.set(job ?? CONTROL, new Promise<Outcome>((resolve, reject) => settle.set(job, { resolve, reject })));
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < jobs.length; i = next++) {
      const job = jobs[i] ?? null;
      const s = settle.get(job);
      try {
        s?.resolve(await runOne(dir, job, i));
      } catch (err) {
        s?.reject(err);
      }
    }
  };
  for (let w = 0; w < CONCURRENCY; w++) void worker();
  return outcomes;
}

/** What is wrong with the claim "`c` was caught by its checks"; empty when it holds. */
function missedCatch(c: Catch, o: Outcome): string[] {
  const problems: string[] = [];
  if (o.run.code !== 1) problems.push(`exit ${o.run.code ?? o.run.signal}, expected 1 (an assertion failed)`);
  if (o.readError) return [...problems, `reports unreadable: ${o.readError}`];
  for (const name of c.caughtBy) {
    const t = o.testcases.find((x) => x.name === name);
    if (!t) problems.push(`no testcase '${name}' in junit.xml`);
    else if (t.failure === null) problems.push(`'${name}' passed`);
    else if (!c.message.test(t.failure)) problems.push(`'${name}' failed with another message: ${t.failure}`);
  }
  const native = o.report?.results.find((r) => r.launcher === 'native');
  if (!native) return [...problems, 'audit.json has no native row'];
  if (native.status !== c.status) problems.push(`audit.json native status ${native.status}, expected ${c.status} (${native.error ?? ''})`);
  if (c.scenario === null ? native.scenario !== undefined : !c.scenario.test(native.scenario ?? '')) {
    problems.push(`audit.json native scenario ${JSON.stringify(native.scenario)}, expected ${c.scenario ?? 'none'}`);
  }
  const extra = c.result?.(native);
  if (extra) problems.push(`audit.json native: ${extra}`);
  if ((o.report?.tests.failed ?? 0) < c.caughtBy.length) problems.push(`audit.json counts ${o.report?.tests.failed} failed tests`);
  return problems;
}

const failedNames = (o: Outcome): string[] => o.testcases.filter((t) => t.failure !== null).map((t) => t.name);

test.group('mutation check: the shipped suite fails for every launcher put in place of native', (group) => {
  let outcomes = new Map<string, Promise<Outcome>>();

  group.setup(() => {
    const { dir, cleanup } = tempDir('fdaudit-mutation-');
    outcomes = startRuns(dir);
    return async () => {
      // Every run finishes (runCli kills one that hangs) before its reports are removed.
      await Promise.allSettled(outcomes.values());
      cleanup();
    };
  });

  const outcome = (key: string): Promise<Outcome> => {
    const o = outcomes.get(key);
    if (!o) throw new Error(`no run for ${key}`);
    return o;
  };

  test('control: without a substitution every expectation holds (exit 0, native sealed)', async ({ assert }) => {
    const o = await outcome(CONTROL);
    assert.equal(o.run.code, 0, `${o.run.stdout.slice(-2000)}\n${o.run.stderr.slice(-2000)}`);
    assert.isNull(o.readError);
    assert.deepEqual(failedNames(o), []);
    assert.notInclude(o.run.stderr, '--substitute');
    const native = o.report?.results.find((r) => r.launcher === 'native');
    assert.equal(native?.status, 'sealed');
    assert.isUndefined(native?.scenario, 'the sealed launcher has no scenario of its own');
    // Every check the table relies on exists and passes for the real thing.
    const names = o.testcases.map((t) => t.name);
    for (const name of new Set(CATCHES.flatMap((c) => c.caughtBy))) assert.include(names, name);
  }).timeout(300_000);

  for (const c of CATCHES) {
    test(`${c.substitute} in place of native is caught by ${c.caughtBy.length > 3 ? `${c.caughtBy.length} rows (${c.caughtBy[0]} …)` : c.caughtBy.join(', ')}`, async ({ assert }) => {
      const o = await outcome(c.substitute);
      assert.include(o.run.stderr, `every result and test named native runs ${c.substitute}`);
      const problems = missedCatch(c, o);
      const failed = failedNames(o);
      const verdict = problems.length ? `NOT caught: ${problems[0]}` : `caught by ${c.caughtBy.join(', ')}`;
      console.log(`  ${c.substitute} → ${verdict} (${failed.length} failed tests in all)`);
      assert.deepEqual(problems, [], `${c.substitute}; failed tests: ${failed.join(' | ')}\n${o.run.stderr.slice(-1500)}`);
    }).timeout(300_000);
  }

  test('summary: 100% of the substitutes caught', async ({ assert }) => {
    const lines: string[] = [];
    let caught = 0;
    for (const c of CATCHES) {
      const problems = missedCatch(c, await outcome(c.substitute));
      if (problems.length === 0) caught++;
      lines.push(`${c.substitute} → ${problems.length ? `NOT caught: ${problems.join('; ')}` : `caught by ${c.caughtBy.join(', ')}`}`);
    }
    console.log(`  mutation check: ${caught}/${CATCHES.length} caught\n${lines.map((l) => `    ${l}`).join('\n')}`);
    assert.equal(caught, CATCHES.length, lines.join('\n'));
  });
});

test.group('mutation check: --substitute', () => {
  test('not in use, getLauncher is the plain lookup; in use, the id keeps its name and takes the substitute, scenario and all', ({ assert }) => {
    const plain = launchers.find((l) => l.id === 'native');
    const mutant = getLauncher('mutant:naive-dup');
    assert.strictEqual(getLauncher('native'), plain);
    assert.deepEqual([...launcherSubstitutes()], []);
    try {
      substituteLauncher('native', 'mutant:naive-dup');
      const standIn = getLauncher('native');
      assert.equal(standIn.id, 'native');
      assert.strictEqual(standIn.run, mutant.run);
      assert.strictEqual(standIn.scenario, mutant.scenario);
      assert.equal(standIn.kind, 'mutant');
      assert.match(standIn.description, /^mutant:naive-dup standing in for native: /);
      assert.deepEqual([...launcherSubstitutes()], [['native', 'mutant:naive-dup']]);
      // Only the id asked for changes; listings keep the real launchers.
      assert.strictEqual(getLauncher('mutant:naive-dup'), mutant);
      assert.strictEqual(launchers.find((l) => l.id === 'native'), plain);
      // A substitute without a scenario leaves none behind.
      substituteLauncher('native', 'mutant:leak-above-1023');
      assert.isUndefined(getLauncher('native').scenario);
      assert.throws(() => substituteLauncher('native', 'native'), /cannot stand in for itself/);
      assert.throws(() => substituteLauncher('nope', 'native'), /cannot substitute unknown launcher 'nope'; valid: /);
      assert.throws(() => substituteLauncher('native', 'mutant:nope'), /unknown launcher 'mutant:nope' to stand in for native; valid: /);
    } finally {
      clearSubstitutes();
    }
    assert.strictEqual(getLauncher('native'), plain);
  });

  test('the scenario goes with the substitute: without it naive-dup and fd-setsize-fallback pass for sealed', async ({ assert }) => {
    for (const [impl, scenario] of [['mutant:naive-dup', /^parent stdin closed/], ['mutant:fd-setsize-fallback', /forced to loop/]] as const) {
      let withScenario: AuditResult | undefined;
      let without: AuditResult | undefined;
      try {
        substituteLauncher('native', impl);
        const standIn = getLauncher('native');
        [withScenario] = await audit({ launchers: [standIn] });
        const { scenario: _dropped, ...bare } = standIn;
        [without] = await audit({ launchers: [bare] });
      } finally {
        clearSubstitutes();
      }
      assert.match(withScenario?.scenario ?? '', scenario, impl);
      assert.notEqual(withScenario?.status, 'sealed', `${impl} with its scenario: ${withScenario?.status} ${withScenario?.error ?? ''}`);
      assert.equal(without?.status, 'sealed', `${impl} without its scenario hides its flaw`);
      assert.isUndefined(without?.scenario);
    }
  }).timeout(60_000);

  test('a run plan carries it only when given; bad values are usage errors naming them', async ({ assert, cleanup }) => {
    const { dir, cleanup: remove } = tempDir('fdaudit-substitute-');
    cleanup(remove);
    const base = { out: join(dir, 'reports'), timeout: 1000, workerTimeout: 1000, launcher: ['native'] };
    const { plan } = await buildRunPlan([], base, dir);
    assert.notProperty(plan, 'substitutes');
    const given = await buildRunPlan([], { ...base, substitute: ['native=mutant:forgets-keep'] }, dir);
    assert.deepEqual(given.plan.substitutes, { native: 'mutant:forgets-keep' });
    const bad: [string[], RegExp][] = [
      [['native'], /^--substitute 'native': expected ID=SUBSTITUTE/],
      [['native=mutant:nope'], /^unknown launcher 'mutant:nope'; valid: .*mutant:naive-dup/],
      [['nope=native'], /^unknown launcher 'nope'/],
      [['native=native'], /cannot stand in for itself/],
      [['native=fork', 'native=posix_spawn'], /'native' is substituted twice/],
    ];
    for (const [values, message] of bad) {
      const err = await buildRunPlan([], { ...base, substitute: values }, dir).then(() => null, (e: unknown) => e);
      assert.instanceOf(err, UsageError, values.join(' '));
      assert.match((err as Error).message, message);
    }
  });

  test('end to end: hidden from help; a bad value exits 2 naming it, before anything is written', async ({ assert, cleanup }) => {
    const { dir, cleanup: remove } = tempDir('fdaudit-substitute-');
    cleanup(remove);
    const help = await runCli(['run', '--help']);
    assert.equal(help.code, 0);
    assert.include(help.stdout, '--launcher');
    assert.notInclude(help.stdout, '--substitute');
    const out = join(dir, 'reports');
    const r = await runCli(['run', '--launcher', 'native', '--substitute', 'native=mutant:nope', '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^fdaudit: unknown launcher 'mutant:nope'; valid: /);
    assert.isFalse(existsSync(out), 'nothing is written on a usage error');
  }).timeout(120_000);
});

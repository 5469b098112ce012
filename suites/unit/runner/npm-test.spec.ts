/**
 * `npm test` itself (bin/test.ts), run on the spec files of suites/fixtures/npm-test: each leftover
 * kind fails the run and names the file that left it; a clean file passes (the control); every kind of
 * skip is counted as a skip with its reason; --strict fails on a skip the allowlist does not name.
 */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODULES, QUICK, allSpecFiles } from '../../../bin/test/discover.ts';
import { checkSkips, readAllowedSkips } from '../../../bin/test/skips.ts';
import { packageRoot } from '../../../src/native/paths.ts';

const FIXTURES = 'suites/fixtures/npm-test';

function npmTest(args: string[]): { code: number | null; out: string; last: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(packageRoot, 'bin', 'test.ts'), '--no-build', '--no-warm', ...args], {
    cwd: packageRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    timeout: 300_000,
  });
  const out = `${r.stdout}${r.stderr}`;
  const lines = out.trim().split('\n');
  return { code: r.status, out, last: lines[lines.length - 1] ?? '' };
}

const SOME_SKIPS = [
  { file: `${FIXTURES}/skips.spec.ts`, test: 'skipped when a tool is missing', reason: 'the tool is not on CI' },
  { file: `${FIXTURES}/clean.spec.ts`, test: 'skipped by japa', reason: 'on purpose' },
];
const ALL_SKIPS = [...SOME_SKIPS, { file: `${FIXTURES}/skips.spec.ts`, test: 'skipped from its body: nothing here could be judged', reason: 'nothing to judge' }];

test.group('npm test: leftovers, skips, counts, --strict', (group) => {
  let dir = '';
  let run: ReturnType<typeof npmTest>;
  group.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'npm-test-skips-'));
    const list = join(dir, 'skips.json');
    writeFileSync(list, JSON.stringify({ skips: SOME_SKIPS }));
    run = npmTest(['--files', FIXTURES, '--strict', '--skips', list]);
    return () => rmSync(dir, { recursive: true, force: true });
  });

  test('every leftover kind fails the run and names the file that left it', ({ assert }) => {
    assert.equal(run.code, 1);
    assert.match(run.out, /leaks-fd\.spec\.ts: left behind: fd \d+ left open \(\/dev\/null\)/);
    assert.match(run.out, /leaks-zombie\.spec\.ts: left behind: child \d+ exited and was never reaped \(sleep\)/);
    assert.match(run.out, /leaks-temp\.spec\.ts: left behind: temp file left: forgotten\.txt/);
    assert.match(run.out, /leaks-process\.spec\.ts: left behind: process \d+ still running \(\/bin\/sleep 300\); killed/);
    // Light files share a process, each still checked on its own.
    assert.match(run.out, /7 files in [1-6] processes/);
  });

  test('control: the clean, skipping and failing files leave nothing behind', ({ assert }) => {
    assert.notMatch(run.out, /clean\.spec\.ts: left behind/);
    assert.notMatch(run.out, /skips\.spec\.ts: left behind/);
    assert.notMatch(run.out, /fails\.spec\.ts: left behind/);
  });

  test('every skip is listed with its reason; one the allowlist does not name fails the strict run', ({ assert }) => {
    assert.include(run.out, 'clean.spec.ts › skipped by japa');
    assert.include(run.out, 'skips.spec.ts › skipped when a tool is missing\n    the tool is missing');
    assert.include(run.out, 'skips.spec.ts › skipped from its body: nothing here could be judged\n    no result could be judged here');
    assert.match(run.out, /strict: 1 skip\(s\) not listed in .*skips\.json:\n {2}suites\/fixtures\/npm-test\/skips\.spec\.ts › skipped from its body/);
    // 7 tests pass; 1 fails, 4 files leave something, 1 skip is not allowed; 2 allowed skips.
    assert.equal(run.last, '7 passed, 6 failed, 2 skipped');
  });

  test('control: with every skip listed the strict run passes; an unreadable list stops a strict run', ({ assert }) => {
    const files = ['--files', `${FIXTURES}/skips.spec.ts`, '--files', `${FIXTURES}/clean.spec.ts`];
    const list = join(dir, 'all.json');
    writeFileSync(list, JSON.stringify({ skips: ALL_SKIPS }));
    const strict = npmTest([...files, '--strict', '--skips', list]);
    assert.equal(strict.code, 0, strict.out);
    assert.equal(strict.last, '2 passed, 0 failed, 3 skipped');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{');
    const refused = npmTest([...files, '--strict', '--skips', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /npm test: .*bad\.json/);
  });

  test('a malformed allowlist is an error naming the file and the problem', ({ assert }) => {
    const bad = join(dir, 'entry.json');
    writeFileSync(bad, JSON.stringify({ skips: [{ file: 'x.spec.ts', test: '' }] }));
    assert.throws(() => readAllowedSkips(bad), /entry\.json: entry 0 needs a non-empty "test"/);
    writeFileSync(bad, JSON.stringify([]));
    assert.throws(() => readAllowedSkips(bad), /entry\.json: expected \{ "skips"/);
  });

  test('checkSkips: unlisted skips and unused entries, matched by file and exact title', ({ assert }) => {
    const skips = [{ file: 'a.spec.ts', test: 't1', reason: 'r' }, { file: 'a.spec.ts', test: 't2', reason: 'r' }];
    const allowed = [{ file: 'a.spec.ts', test: 't1', reason: 'ok' }, { file: 'b.spec.ts', test: 't1', reason: 'ok' }];
    const { unlisted, unused } = checkSkips(skips, allowed);
    assert.deepEqual(unlisted.map((s) => s.test), ['t2']);
    assert.deepEqual(unused.map((a) => a.file), ['b.spec.ts']);
  });
});

test.group('npm test: the quick subset and the layout', () => {
  test('the quick list names existing files, and touches every module folder and the audit suite', ({ assert }) => {
    const all = allSpecFiles(packageRoot).map((f) => f.path);
    for (const q of QUICK) assert.include(all, q);
    for (const m of MODULES) assert.isTrue(QUICK.some((q) => q.startsWith(`suites/unit/${m}/`)), `no quick file in suites/unit/${m}`);
    assert.isTrue(QUICK.some((q) => q.startsWith('suites/audit/')));
  });

  test('suites/unit holds exactly the module folders, and no spec file outside them', ({ assert }) => {
    const entries = readdirSync(join(packageRoot, 'suites', 'unit'), { withFileTypes: true });
    assert.deepEqual(entries.filter((e) => !e.isDirectory()).map((e) => e.name), []);
    const dirs = entries.map((e) => e.name).sort();
    for (const d of dirs) assert.include(MODULES as readonly string[], d, `suites/unit/${d} is not a module folder`);
  });
});

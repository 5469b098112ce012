/**
 * `fdaudit run` end to end, from the sources: user specs that pass (exit 0) and fail (exit 1, a junit
 * failure naming the bait), the selection options, the reports written; small launcher and bait
 * selections keep each run short.
 */
import { test } from '@japa/runner';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReport } from '../../../src/audit/types.ts';
import { BAIT_KINDS } from '../../../src/bait/types.ts';
import { runCli, tempDir, writeSpec } from './helpers.ts';

function readJson(path: string): AuditReport {
  return JSON.parse(readFileSync(path, 'utf8')) as AuditReport;
}

/** testcase elements of a junit file: name and failure message (null when it passed). */
function testcases(xml: string): { name: string; failure: string | null }[] {
  const out: { name: string; failure: string | null }[] = [];
  const re = /<testcase [^>]*name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const body = m[3] ?? '';
    const failure = /<failure message="([^"]*)"/.exec(body);
    out.push({ name: m[1] ?? '', failure: failure ? (failure[1] ?? '') : null });
  }
  return out;
}

const NODE_SPEC = `
test.group('node:spawn baseline', () => {
  auditMatrix({ launchers: ['node:spawn', 'node:exec'], baits: ['pipe', 'cloexec'] }).run(async ({ audit, assert }, row) => {
    const r = await audit(row.launcher);
    if (row.bait === 'cloexec') assert.notCrossed(r, row.bait);
    else assert.crossed(r, row.bait);
  });
});
`;

const FAILING_SPEC = `
test.group('a spec that expects node:spawn to seal', () => {
  auditMatrix({ launchers: ['node:spawn'], baits: ['pipe', 'cloexec'] }).run(async ({ audit, assert }, row) => {
    assert.notCrossed(await audit(row.launcher), row.bait);
  });
});
`;

test.group('fdaudit run: user specs', (group) => {
  let dir = '';
  let remove = (): void => {};
  group.setup(() => {
    ({ dir, cleanup: remove } = tempDir());
    // Specs are ES modules: the directory says so, as a user's project with "type": "module" does.
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    return () => remove();
  });

  test('a passing spec exits 0, prints the table and writes audit.json, junit.xml and summary.md', async ({ assert }) => {
    const spec = writeSpec(dir, 'pass.spec.ts', NODE_SPEC);
    const out = join(dir, 'reports-pass');
    const r = await runCli(['run', spec, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.include(r.stdout, 'node:spawn › pipe');
    assert.match(r.stdout, /kernel: host/);
    assert.match(r.stdout, /│ node:spawn +│/);
    const report = readJson(join(out, 'audit.json'));
    assert.equal(report.schema, 'fdaudit/audit@1');
    assert.deepEqual(report.tests, { passed: 4, failed: 0, skipped: 0 });
    assert.sameMembers(report.results.map((x) => x.launcher), ['node:spawn', 'node:exec']);
    // One launch per launcher audits every bait kind the run selects; the rows read what they name.
    for (const x of report.results) assert.lengthOf(x.baits, BAIT_KINDS.length);
    const cases = testcases(readFileSync(join(out, 'junit.xml'), 'utf8'));
    assert.lengthOf(cases, 4);
    assert.isTrue(cases.every((c) => c.failure === null));
    assert.isTrue(existsSync(join(out, 'summary.md')));
  });

  test('a failing spec exits 1; junit.xml has the failure naming launcher, bait and fds', async ({ assert }) => {
    const spec = writeSpec(dir, 'fail.spec.ts', FAILING_SPEC);
    const out = join(dir, 'reports-fail');
    const r = await runCli(['run', spec, '--out', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^fdaudit: 1 test failed; first: node:spawn › pipe: node:spawn leaked pipe fd \d+ -> child fd \d+ \(pipe:\[\d+\]\) \[kernel host\]$/m);
    const cases = testcases(readFileSync(join(out, 'junit.xml'), 'utf8'));
    const pipe = cases.find((c) => c.name.startsWith('node:spawn › pipe'));
    assert.match(pipe?.failure ?? '', /^node:spawn leaked pipe fd \d+ -&gt; child fd \d+ \(pipe:\[\d+\]\)/);
    // Control: the cloexec row of the same run holds.
    assert.isNull(cases.find((c) => c.name.startsWith('node:spawn › cloexec'))?.failure);
    assert.deepEqual(readJson(join(out, 'audit.json')).tests, { passed: 1, failed: 1, skipped: 0 });
  });

  test('--grep, --launcher and --bait narrow the run; results hold only what ran', async ({ assert }) => {
    const spec = writeSpec(dir, 'narrow.spec.ts', NODE_SPEC);
    const out = join(dir, 'reports-narrow');
    const r = await runCli(['run', spec, '--out', out, '--launcher', 'node:exec', '--bait', 'pipe', '--reporter', 'json,junit']);
    assert.equal(r.code, 0, r.stderr);
    const report = readJson(join(out, 'audit.json'));
    assert.deepEqual(report.tests, { passed: 1, failed: 0, skipped: 0 });
    assert.deepEqual(report.results.map((x) => [x.launcher, x.baits.map((b) => b.kind)]), [['node:exec', ['pipe']]]);
    assert.isFalse(existsSync(join(out, 'summary.md')), 'only the reporters asked for');
    assert.notInclude(r.stdout, '│ node:exec', 'no table without the table reporter');

    const failing = writeSpec(dir, 'grep.spec.ts', FAILING_SPEC);
    const g = await runCli(['run', failing, '--out', join(dir, 'reports-grep'), '--grep', 'cloexec', '--reporter', 'json']);
    assert.equal(g.code, 0, `the failing pipe row is filtered out: ${g.stderr}`);
    assert.deepEqual(readJson(join(dir, 'reports-grep', 'audit.json')).tests, { passed: 1, failed: 0, skipped: 0 });
  });

  test('fds the run inherits are not charged to the launchers (close-on-exec before any launch)', async ({ assert }) => {
    const spec = writeSpec(
      dir,
      'inherited.spec.ts',
      `import { readlinkSync } from 'node:fs';
test.group('inherited fd', () => {
  test('fd 3 came from the parent, and node:spawn does not pass it on', async ({ audit, assert }) => {
    assert.match(readlinkSync('/proc/self/fd/3'), /^(pipe|socket):/);
    const r = await audit('node:spawn');
    assert.crossed(r, 'pipe');
    assert.deepEqual(r.extraFds, []);
  });
});`,
    );
    const r = await runCli(['run', spec, '--out', join(dir, 'reports-inherited'), '--reporter', 'json', '--bait', 'pipe'], { inheritedFd: true });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readJson(join(dir, 'reports-inherited', 'audit.json')).tests, { passed: 1, failed: 0, skipped: 0 });
  });

  test('a spec whose file does not load exits 1 and says so', async ({ assert }) => {
    const spec = writeSpec(dir, 'broken.spec.ts', `throw new Error('broken on purpose')`);
    const r = await runCli(['run', spec, '--out', join(dir, 'reports-broken'), '--reporter', 'json']);
    assert.equal(r.code, 1, r.stderr);
    assert.include(r.stderr, 'broken on purpose');
    // One line naming the file and what to do, and the run's closing line names it as the failure.
    assert.match(r.stderr, /fdaudit: cannot load \S*broken\.spec\.ts: broken on purpose — it throws while it loads \(line 2\): fix that in the file\n/);
    assert.match(r.stderr, /fdaudit: 1 test failed; first: \S*broken\.spec\.ts \(does not load\): cannot load/);
  });

  test('in GitHub Actions: an annotation per failure and the summary appended to the step summary', async ({ assert }) => {
    const spec = writeSpec(dir, 'gha.spec.ts', FAILING_SPEC);
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, 'earlier step\n');
    const r = await runCli(['run', spec, '--out', join(dir, 'reports-gha')], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    assert.equal(r.code, 1, r.stderr);
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
    assert.lengthOf(annotations, 1, 'one failed test, one annotation');
    assert.match(annotations[0] ?? '', /,title=fdaudit%3A node%3Aspawn › pipe \[host\]::node:spawn leaked pipe fd \d+ -> child fd \d+/);
    const text = readFileSync(summary, 'utf8');
    assert.isTrue(text.startsWith('earlier step\n'), 'appended, not overwritten');
    assert.include(text, '# fdaudit report');
  });
});

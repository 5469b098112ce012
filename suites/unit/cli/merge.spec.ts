/**
 * `fdaudit run --host-name` and `fdaudit merge`, end to end: two real runs under two host names merged
 * into one set of reports; exit 1 when a merged run failed a test; exit 2 naming the file on bad input,
 * with nothing written.
 */
import { test } from '@japa/runner';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReport } from '../../../src/audit/types.ts';
import { runCli, tempDir } from './helpers.ts';

const SMALL = ['--launcher', 'native,node:spawn', '--bait', 'pipe,high-fd', '--reporter', 'json,junit'];

test.group('cli: fdaudit merge', (group) => {
  let dir = '';
  let cleanup = (): void => {};

  // Two real runs, shared by the tests: host a under the host kernel, host b under host and linux-5.8.
  group.setup(async () => {
    ({ dir, cleanup } = tempDir('fdaudit-merge-cli-'));
    const a = await runCli(['run', ...SMALL, '--host-name', 'a', '--out', join(dir, 'runs', 'a')]);
    const b = await runCli(['run', ...SMALL, '--kernel', 'host,linux-5.8', '--host-name', 'b', '--out', join(dir, 'runs', 'b')]);
    if (a.code !== 0 || b.code !== 0) throw new Error(`the runs to merge failed:\n${a.stderr}\n${b.stderr}`);
    return () => cleanup();
  });

  test('run --host-name names the host in audit.json', ({ assert }) => {
    const a = JSON.parse(readFileSync(join(dir, 'runs', 'a', 'audit.json'), 'utf8')) as AuditReport;
    assert.equal(a.host.name, 'a');
    assert.isUndefined(a.hosts);
    assert.isTrue(a.results.every((r) => r.host === undefined));
  });

  test('two hosts merged: one column per (host, kernel), every report written, exit 0', async ({ assert }) => {
    const out = join(dir, 'merged');
    const r = await runCli(['merge', join(dir, 'runs'), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.include(r.stderr, 'fdaudit merge: 2 reports from 2 hosts: 6 results\n');
    assert.sameMembers(readdirSync(out), ['audit.json', 'junit.xml', 'summary.md', 'index.html']);
    const m = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8')) as AuditReport;
    assert.equal(m.schema, 'fdaudit/audit@1');
    assert.deepEqual(m.hosts?.map((h) => h.name), ['a', 'b']);
    assert.deepEqual(m.results.map((x) => `${x.host}/${x.kernel}/${x.launcher}`), [
      'a/host/node:spawn', 'a/host/native', 'b/host/node:spawn', 'b/host/native', 'b/linux-5.8/node:spawn', 'b/linux-5.8/native',
    ]);
    const runs = ['a', 'b'].map((h) => (JSON.parse(readFileSync(join(dir, 'runs', h, 'audit.json'), 'utf8')) as AuditReport).tests);
    assert.equal(m.tests.passed, (runs[0]?.passed ?? 0) + (runs[1]?.passed ?? 0));
    assert.match(r.stdout, /│ launcher +│ a · host +b · host +b · linux-5\.8 +│/);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    assert.include(junit, '[linux-5.8] @ b"');
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    assert.include(md, '| launcher | `a` · `host` | `b` · `host` | `b` · `linux-5.8` |');
    assert.include(readFileSync(join(out, 'index.html'), 'utf8'), 'id="pivot"');

    // Merged again, with one of its inputs: a valid input, and the repeat is said, not counted.
    const again = await runCli(['merge', join(out, 'audit.json'), join(dir, 'runs', 'a', 'audit.json'), '--out', join(dir, 'again'), '--reporter', 'json']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /duplicate: .*runs\/a\/audit\.json is the same report as .*merged\/audit\.json; read once/);
    const m2 = JSON.parse(readFileSync(join(dir, 'again', 'audit.json'), 'utf8')) as AuditReport;
    assert.deepEqual(m2.tests, m.tests);
    assert.deepEqual(m2.results, m.results);
  }).timeout(60_000);

  test('an input with a failed test: merged, and exit 1 naming it', async ({ assert }) => {
    const failing = join(dir, 'failing');
    mkdirSync(failing);
    const report = JSON.parse(readFileSync(join(dir, 'runs', 'a', 'audit.json'), 'utf8')) as AuditReport;
    report.host.name = 'c';
    report.tests.failed = 1;
    writeFileSync(join(failing, 'audit.json'), JSON.stringify(report));
    const r = await runCli(['merge', join(dir, 'runs', 'b'), join(failing, 'audit.json'), '--out', join(dir, 'out-failing'), '--reporter', 'json']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /fdaudit: 1 test failed in the merged runs \(.*failing\/audit\.json\)/);
    assert.isTrue(existsSync(join(dir, 'out-failing', 'audit.json')));
  }).timeout(60_000);

  test('bad input exits 2 naming the file, and writes nothing', async ({ assert }) => {
    const bad = join(dir, 'bad');
    mkdirSync(join(bad, 'empty'), { recursive: true });
    writeFileSync(join(bad, 'truncated.json'), '{"schema": "fdaudit/audit@1", "results": [');
    const v2 = readFileSync(join(dir, 'runs', 'a', 'audit.json'), 'utf8').replace('fdaudit/audit@1', 'fdaudit/audit@2');
    writeFileSync(join(bad, 'v2.json'), v2);
    const good = join(dir, 'runs', 'a', 'audit.json');
    const cases: [string[], RegExp][] = [
      [[good, join(bad, 'missing.json')], /^fdaudit: .*bad\/missing\.json: no such file or directory\n$/],
      [[good, join(bad, 'truncated.json')], /^fdaudit: .*bad\/truncated\.json: not valid JSON/],
      [[join(bad, 'v2.json'), good], /^fdaudit: .*bad\/v2\.json: schema fdaudit\/audit@2 is another version of the report; this fdaudit reads fdaudit\/audit@1\n$/],
      [[join(bad, 'empty')], /^fdaudit: .*bad\/empty: no audit\.json in this directory or below\n$/],
      [[good, '--reporter', 'html'], /^fdaudit: unknown reporter 'html'; valid: table, json, junit, summary, github\n$/],
    ];
    for (const [args, message] of cases) {
      const out = join(dir, 'never');
      const r = await runCli(['merge', ...args, '--out', out]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.isFalse(existsSync(out), `${args.join(' ')} wrote ${out}`);
    }
    const none = await runCli(['merge']);
    assert.equal(none.code, 2);
    assert.include(none.stderr, "missing required argument 'inputs'");
  }).timeout(60_000);

  test('run --host-name refuses an empty or multi-line name (exit 2)', async ({ assert }) => {
    for (const name of ['', 'a\nb', ' padded']) {
      const r = await runCli(['run', ...SMALL, '--host-name', name, '--out', join(dir, 'never')]);
      assert.equal(r.code, 2, JSON.stringify(name));
      assert.match(r.stderr, /^fdaudit: --host-name: host name/);
    }
    assert.isFalse(existsSync(join(dir, 'never')));
  }).timeout(60_000);

  test('the output directory is never an input: merging a folder into a folder below it', async ({ assert }) => {
    const tree = join(dir, 'tree');
    cpSync(join(dir, 'runs'), tree, { recursive: true });
    const first = await runCli(['merge', tree, '--out', join(tree, 'merged'), '--reporter', 'json']);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(['merge', tree, '--out', join(tree, 'merged'), '--reporter', 'json']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /note: .*tree\/merged\/audit\.json left out: it is this merge's own output/);
    assert.include(second.stderr, '2 reports from 2 hosts');
  }).timeout(60_000);
});

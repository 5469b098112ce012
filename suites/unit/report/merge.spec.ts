/**
 * `fdaudit merge` below the command line: keys (host, kernel), duplicates and conflicts, the merged
 * report's shape and its renderings, reading inputs (files, directories, junit.xml beside them).
 */
import { test } from '@japa/runner';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReport, AuditResult } from '../../../src/audit/types.ts';
import { buildAuditReport, serializeAuditReport } from '../../../src/report/audit-json.ts';
import { anchorId, columnsOf } from '../../../src/report/columns.ts';
import { renderJunit } from '../../../src/report/junit.ts';
import { readJunitRecords } from '../../../src/report/junit-read.ts';
import { renderSummary } from '../../../src/report/markdown.ts';
import { combinedHost, describeMerge, mergeReports, MergeInputError, type MergeSource } from '../../../src/report/merge.ts';
import { checkAuditReport, collectInputs, readSource } from '../../../src/report/merge-read.ts';
import { renderTerminal } from '../../../src/report/table.ts';
import type { TestRecord } from '../../../src/report/types.ts';
import { xmlSafe } from '../../../src/report/xml.ts';
import { tempDir } from '../cli/helpers.ts';
import { RECORDS, RESULTS } from './golden/fixtures.ts';

const HOST_A = { name: 'a', kernel: '6.18.44', node: 'v20.20.2', libc: 'glibc 2.36' };
const HOST_B = { name: 'b', kernel: '6.1.0', node: 'v22.1.0', libc: 'musl' };

const onKernel = (k: string): AuditResult[] => RESULTS.filter((r) => r.kernel === k);
const reportOf = (host: typeof HOST_A, results: AuditResult[], tests = { passed: 3, failed: 0, skipped: 1 }): AuditReport =>
  JSON.parse(serializeAuditReport(buildAuditReport(results, tests, host))) as AuditReport;
const src = (file: string, report: AuditReport, records: TestRecord[] | null = null): MergeSource => ({ file, report, records });

/** The same fixture's host results, as two hosts ran them. */
const A = reportOf(HOST_A, onKernel('host'));
const B = reportOf(HOST_B, RESULTS, { passed: 5, failed: 1, skipped: 0 });

test.group('merge: keys, duplicates, conflicts', () => {
  test('results keep their host: two hosts under the same kernel are two columns', ({ assert }) => {
    const { report } = mergeReports([src('a/audit.json', A), src('b/audit.json', B)]);
    assert.lengthOf(report.results, A.results.length + B.results.length);
    assert.sameMembers([...new Set(report.results.map((r) => r.host))], ['a', 'b']);
    assert.deepEqual(columnsOf(report.results).map((c) => c.label), ['a · host', 'b · host', 'b · linux-5.8']);
    assert.deepEqual(report.tests, { passed: 8, failed: 1, skipped: 1 });
    assert.deepEqual(report.hosts, [HOST_A, HOST_B]);
    assert.deepEqual(report.host, { name: 'a, b', kernel: '6.18.44, 6.1.0', node: 'v20.20.2, v22.1.0', libc: 'glibc 2.36, musl' });
    assert.deepEqual(report.merge?.conflicts, []);
    assert.deepEqual(report.merge?.duplicates, []);
    // Negative control: the same results under one host name collapse into that host's columns.
    const same = mergeReports([src('a/audit.json', A), src('b/audit.json', reportOf({ ...HOST_B, name: 'a' }, onKernel('linux-5.8')))]);
    assert.deepEqual(columnsOf(same.report.results).map((c) => c.label), ['host', 'linux-5.8']);
    assert.include(same.report.merge?.notes.join('\n') ?? '', "host 'a' differs between a/audit.json");
  });

  test('a report read twice counts once; a merged report merged with one of its inputs too', ({ assert }) => {
    const twice = mergeReports([src('a/audit.json', A), src('b/audit.json', B), src('a/audit.json', A)]);
    assert.deepEqual(twice.report.tests, { passed: 8, failed: 1, skipped: 1 });
    assert.deepEqual(twice.report.merge?.duplicates, [{ file: 'a/audit.json', of: 'a/audit.json', results: A.results.length, whole: true }]);
    assert.include(describeMerge(twice.report.merge!), 'duplicate: a/audit.json is named twice; read once');

    const merged = JSON.parse(serializeAuditReport(twice.report)) as AuditReport;
    const again = mergeReports([src('m/audit.json', merged), src('copy/audit.json', A)]);
    assert.deepEqual(again.report.results, merged.results);
    assert.deepEqual(again.report.tests, merged.tests);
    assert.deepEqual(again.report.merge?.duplicates, [{ file: 'copy/audit.json', of: 'm/audit.json', results: A.results.length, whole: true }]);
  });

  test('a conflict keeps the result that says more against the launcher, and says so', ({ assert }) => {
    const native = A.results.find((r) => r.launcher === 'native') as AuditResult;
    const leaky: AuditResult = { ...native, status: 'leak', baits: native.baits.map((b) => (b.kind === 'pipe' ? { ...b, crossed: true, childFd: b.fd } : b)) };
    const A2 = reportOf(HOST_A, A.results.map((r) => (r === native ? leaky : r)));
    for (const order of [[src('a1', A), src('a2', A2)], [src('a2', A2), src('a1', A)]]) {
      const { report } = mergeReports(order);
      const kept = report.results.filter((r) => r.launcher === 'native' && r.host === 'a');
      assert.lengthOf(kept, 1);
      assert.equal(kept[0]?.status, 'leak');
      assert.deepEqual(report.merge?.conflicts, [
        { host: 'a', kernel: 'host', launcher: 'native', kept: { file: 'a2', status: 'leak' }, dropped: [{ file: 'a1', status: 'sealed' }] },
      ]);
      // The other results of the two inputs are the same: kept once, counted as duplicates.
      assert.equal(report.merge?.duplicates[0]?.results, A.results.length - 1);
      assert.include(describeMerge(report.merge!), 'conflict: native on host \'a\', kernel host: leak in a2 kept over sealed in a1');
    }
    // A tie keeps the input read first; sealed wins over skipped.
    const skipped: AuditResult = { ...native, status: 'skipped', baits: [], rlimitNofile: null, signals: null, closeStrategy: null, error: 'not here' };
    const A3 = reportOf(HOST_A, A.results.map((r) => (r === native ? skipped : r)));
    const { report } = mergeReports([src('a3', A3), src('a1', A)]);
    assert.equal(report.results.find((r) => r.launcher === 'native')?.status, 'sealed');
    assert.equal(report.merge?.conflicts[0]?.kept.file, 'a1');
  });

  test('a report of an older version (no host name) is merged under "unnamed", and a note says so', ({ assert }) => {
    const old = reportOf({ kernel: '6.1', node: 'v20.1.0', libc: 'musl' } as typeof HOST_A, onKernel('linux-5.8'));
    delete (old.host as { name?: string }).name;
    const { report } = mergeReports([src('old/audit.json', old), src('a/audit.json', A)]);
    assert.sameMembers([...new Set(report.results.map((r) => r.host))], ['unnamed', 'a']);
    assert.include(report.merge?.notes[0] ?? '', 'old/audit.json names no host');
  });

  test('records get their host; junit.xml of the merge names it, and reads back', ({ assert }) => {
    const { records } = mergeReports([src('a/audit.json', A, RECORDS.slice(0, 2)), src('b/audit.json', B, RECORDS.slice(2))]);
    assert.deepEqual([...new Set(records.map((r) => r.host))], ['a', 'b']);
    const xml = renderJunit(records);
    assert.include(xml, '<testsuite name="suites/audit/launchers.spec.ts [host] @ a"');
    assert.include(xml, 'name="ext:mine › high-fd [host] @ b"');
    const back = readJunitRecords(xml, null);
    // junit.xml groups by suite, so the order may differ; the records are the same.
    // XML cannot carry colour codes or BEL: what reads back is the text as junit.xml holds it.
    const facts = (r: TestRecord): string =>
      JSON.stringify([r.host, r.kernel ?? null, r.launcher ?? null, r.status, r.message === undefined ? null : xmlSafe(r.message)]);
    assert.sameMembers(back.map(facts), records.map(facts));
    // Written again, the same file (times aside: a suite's time is a sum of rounded times).
    const timeless = (x: string): string => x.replace(/ time="[\d.]+"/g, '');
    assert.equal(timeless(renderJunit(back)), timeless(xml));
    assert.throws(() => readJunitRecords('<testsuites name="pytest"/>', null), /not written by fdaudit/);
    assert.throws(() => readJunitRecords('<testsuites', null), /not well-formed XML/);
  });

  test('nothing to merge is an error', ({ assert }) => {
    assert.throws(() => mergeReports([]), MergeInputError);
    assert.deepEqual(combinedHost([HOST_A]), HOST_A);
  });
});

test.group('merge: the merged report rendered', () => {
  test('summary.md: hosts listed, the pivot by (host, kernel), what was merged, sections per column', ({ assert }) => {
    const { report, records } = mergeReports([src('a/audit.json', A), src('b/audit.json', B), src('a/audit.json', A)]);
    const md = renderSummary(JSON.parse(serializeAuditReport(report)) as AuditReport, records);
    assert.include(md, 'Hosts:\n\n- `a`: Linux 6.18.44, Node v20.20.2, glibc 2.36\n- `b`: Linux 6.1.0, Node v22.1.0, musl\n');
    assert.include(md, '| launcher | `a` · `host` | `b` · `host` | `b` · `linux-5.8` |\n');
    assert.include(md, `| \`node:spawn\` | [**LEAK**](#${anchorId('r', 'a', 'host', 'node:spawn')}) | [**LEAK**](#r/b/host/node:spawn) | · |`);
    assert.include(md, '## Merged from 3 reports\n');
    assert.include(md, '- duplicate: a/audit.json is named twice; read once');
    assert.include(md, '## <a id="k/b/linux-5.8"></a>Host `b`, kernel `linux-5.8`');
    const links = [...md.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    const ids = new Set([...md.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));
    assert.lengthOf(links, report.results.length);
    for (const l of links) assert.isTrue(ids.has(l), `${l} has no anchor`);
  });

  test('terminal: one table per host and kernel, the overview names both', ({ assert }) => {
    const { report } = mergeReports([src('a/audit.json', A), src('b/audit.json', B)]);
    const text = renderTerminal(report.results, { color: false });
    assert.match(text, /host: a, kernel: host[\s\S]*host: b, kernel: host[\s\S]*host: b, kernel: linux-5\.8/);
    assert.match(text, /all hosts and kernels\n[\s\S]*│ launcher +│ a · host +b · host +b · linux-5\.8 +│/);
  });

  test('the merged audit.json is a valid fdaudit/audit@1 report, with hosts, results[].host and merge', ({ assert }) => {
    const { report } = mergeReports([src('a/audit.json', A), src('b/audit.json', B)]);
    const parsed = JSON.parse(serializeAuditReport(report)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['schema', 'host', 'hosts', 'results', 'tests', 'merge']);
    assert.doesNotThrow(() => checkAuditReport(parsed, 'merged'));
    assert.deepEqual(Object.keys((parsed.merge ?? {}) as object), ['inputs', 'conflicts', 'duplicates', 'notes']);
    // A bait refused where a run was made (fd null) passes only as skipped, with its reason.
    const results = parsed.results as { baits: Record<string, unknown>[] }[];
    const refused = results.flatMap((r) => r.baits).find((b) => b.skipped === true);
    assert.exists(refused, 'the fixture has a refused bait');
    if (refused) delete refused.skipped;
    assert.throws(() => checkAuditReport(parsed, 'merged'), /must have kind, fd \(or skipped: true, fd: null and a reason\)/);
  });
});

test.group('merge: reading inputs', (group) => {
  let dir = '';
  group.each.setup(() => {
    const t = tempDir('fdaudit-merge-');
    dir = t.dir;
    return t.cleanup;
  });

  const put = (rel: string, text: string): string => {
    const p = join(dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    return p;
  };

  test('a directory is searched recursively, in path order, leaving out hidden folders, node_modules and the output', ({ assert }) => {
    const text = serializeAuditReport(A);
    put('art/fdaudit-b/audit.json', text);
    put('art/fdaudit-a/nested/audit.json', text);
    put('art/.cache/audit.json', text);
    put('art/node_modules/x/audit.json', text);
    put('art/out/audit.json', text);
    put('art/fdaudit-a/other.json', text);
    symlinkSync(join(dir, 'art', 'fdaudit-b'), join(dir, 'art', 'link'));
    const found = collectInputs(['art'], { cwd: dir, exclude: [join(dir, 'art', 'out', 'audit.json')] });
    assert.deepEqual(found.files, ['art/fdaudit-a/nested/audit.json', 'art/fdaudit-b/audit.json']);
    assert.deepEqual(found.skipped, ['art/out/audit.json']);
    // A file is taken as named, whatever its name.
    assert.deepEqual(collectInputs(['art/fdaudit-a/other.json'], { cwd: dir }).files, ['art/fdaudit-a/other.json']);
  });

  test('bad input names the file: missing, not JSON, another version, not a report, a directory without audit.json', ({ assert }) => {
    mkdirSync(join(dir, 'empty'));
    put('bad.json', '{ "schema": ');
    put('v2.json', serializeAuditReport(A).replace('fdaudit/audit@1', 'fdaudit/audit@2'));
    put('bench.json', '{"schema":"fdaudit/bench@1","rows":[]}');
    put('broken.json', serializeAuditReport(A).replace('"status": "leak"', '"status": "leaky"'));
    const fails = (fn: () => unknown, re: RegExp): void => {
      assert.throws(fn, MergeInputError);
      assert.throws(fn, re);
    };
    fails(() => collectInputs(['nope.json'], { cwd: dir }), /^nope\.json: no such file or directory$/);
    fails(() => collectInputs(['empty'], { cwd: dir }), /^empty: no audit\.json in this directory or below$/);
    fails(() => readSource('bad.json', { cwd: dir }), /^bad\.json: not valid JSON/);
    fails(() => readSource('v2.json', { cwd: dir }), /^v2\.json: schema fdaudit\/audit@2 is another version of the report; this fdaudit reads fdaudit\/audit@1$/);
    fails(() => readSource('bench.json', { cwd: dir }), /^bench\.json: not an audit report: schema is "fdaudit\/bench@1"/);
    fails(() => readSource('broken.json', { cwd: dir }), /^broken\.json: results\[\d\]\.status is "leaky"; expected sealed, leak, error, skipped$/);
    // Negative control: the good report reads.
    put('good/audit.json', serializeAuditReport(A));
    assert.equal(readSource('good/audit.json', { cwd: dir }).report.host.name, 'a');
  });

  test('junit.xml beside an input is used when its counts agree, left out with a note when not', ({ assert }) => {
    const report = reportOf(HOST_A, onKernel('host'), { passed: 4, failed: 2, skipped: 1 });
    put('a/audit.json', serializeAuditReport(report));
    put('a/junit.xml', renderJunit(RECORDS));
    let notes: string[] = [];
    const ok = readSource('a/audit.json', { cwd: dir, notes });
    assert.lengthOf(ok.records ?? [], RECORDS.length);
    assert.isTrue((ok.records ?? []).every((r) => r.host === 'a'));
    assert.deepEqual(notes, []);

    put('a/junit.xml', renderJunit(RECORDS.slice(1)));
    notes = [];
    assert.isNull(readSource('a/audit.json', { cwd: dir, notes }).records);
    assert.match(notes[0] ?? '', /^a\/junit\.xml does not belong to a\/audit\.json \(6 tests, 2 failed, 1 skipped against 7, 2, 1\): left out$/);

    put('b/audit.json', serializeAuditReport(report));
    notes = [];
    assert.isNull(readSource('b/audit.json', { cwd: dir, notes }).records);
    assert.deepEqual(notes, ['no junit.xml beside b/audit.json: its 7 tests are counted, not listed']);
  });
});

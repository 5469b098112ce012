import { test } from '@japa/runner';
import { release } from 'node:os';
import type { AuditResult } from '../../../src/audit/types.ts';
import { AUDIT_SCHEMA, buildAuditReport, countTests, serializeAuditReport } from '../../../src/report/audit-json.ts';
import { hostFacts } from '../../../src/report/host.ts';
import { RECORDS, REPORT, RESULTS } from './golden/fixtures.ts';
import { checkGolden } from './golden/golden.ts';

const RESULT_KEYS = ['launcher', 'kernel', 'status', 'baits', 'extraFds', 'rlimitNofile', 'signals', 'closeStrategy', 'error', 'durationMs'];

test.group('report: audit.json', () => {
  test('matches the golden file (two bait kinds, to keep it small)', ({ assert }) => {
    const trimmed = RESULTS.map((r) => ({ ...r, baits: r.baits.filter((b) => b.kind === 'high-fd' || b.kind === 'passed') }));
    const check = checkGolden('audit.json', serializeAuditReport(buildAuditReport(trimmed, RECORDS, REPORT.host)));
    assert.isTrue(check.ok, check.problem ?? '');
  });

  test('the fdaudit/audit@1 shape: schema, host, results with the contract keys in order, tests', ({ assert }) => {
    const parsed = JSON.parse(serializeAuditReport(buildAuditReport(RESULTS, RECORDS, REPORT.host)));
    assert.deepEqual(Object.keys(parsed), ['schema', 'host', 'results', 'tests']);
    assert.equal(parsed.schema, AUDIT_SCHEMA);
    assert.deepEqual(parsed.host, { name: 'ci-7', kernel: '6.18.44', node: 'v20.20.2', libc: 'glibc 2.36' });
    assert.deepEqual(Object.keys(parsed.host), ['name', 'kernel', 'node', 'libc']);
    assert.deepEqual(parsed.tests, { passed: 4, failed: 2, skipped: 1 });
    assert.lengthOf(parsed.results, RESULTS.length);
    for (const r of parsed.results) assert.deepEqual(Object.keys(r), RESULT_KEYS);
    assert.deepEqual(Object.keys(parsed.results[0].baits[0]), ['kind', 'fd', 'expected', 'crossed', 'childFd', 'target']);
    // A bait refused here: no fd, not crossed, and why.
    const refused = parsed.results.find((r: AuditResult) => r.kernel === 'linux-5.8' && r.launcher === 'native').baits.find((b: { kind: string }) => b.kind === 'netlink');
    assert.deepEqual(refused, { kind: 'netlink', fd: null, expected: 'absent', crossed: false, childFd: null, skipped: true, reason: 'socket: EAFNOSUPPORT (Address family not supported by protocol)' });
    assert.notProperty(parsed.results[0].baits.find((b: { kind: string }) => b.kind === 'netlink'), 'skipped', 'a bait that opened has no skipped key');
    // Display order: kernel, then launcher with the node:spawn baseline first.
    assert.deepEqual(
      parsed.results.map((r: AuditResult) => `${r.kernel}/${r.launcher}`),
      [
        'host/node:spawn', 'host/native', 'host/mutant:fd-setsize-fallback', 'host/ext:python-subprocess', 'host/ext:mine',
        'linux-5.8/native', 'linux-5.8/posix_spawn', 'linux-5.8/mutant:fd-setsize-fallback',
      ],
    );
    const err = parsed.results.find((r: AuditResult) => r.status === 'error');
    assert.isNull(err.rlimitNofile);
    assert.isNull(err.signals);
    assert.match(err.error, /closefrom failed/);
  });

  test('durationMs is carried as given; a result without one (an older report) reads 0', ({ assert }) => {
    const [withDuration] = buildAuditReport([RESULTS[0] as AuditResult], { passed: 0, failed: 0, skipped: 0 }).results;
    assert.equal(withDuration?.durationMs, (RESULTS[0] as AuditResult).durationMs);
    assert.isAbove(withDuration?.durationMs ?? 0, 0);
    const old = { ...(RESULTS[0] as AuditResult) } as Partial<AuditResult>;
    delete old.durationMs;
    const [read] = buildAuditReport([old as AuditResult], { passed: 0, failed: 0, skipped: 0 }).results;
    assert.strictEqual(read?.durationMs, 0);
  });

  test('extra properties are dropped, the optional scenario is kept', ({ assert }) => {
    const r = { ...(RESULTS[0] as AuditResult), internal: 42, scenario: 'parent stdin closed' } as AuditResult;
    const parsed = JSON.parse(serializeAuditReport(buildAuditReport([r], [], REPORT.host)));
    assert.deepEqual(Object.keys(parsed.results[0]), [...RESULT_KEYS, 'scenario']);
    assert.equal(parsed.results[0].scenario, 'parent stdin closed');
  });

  test('test counts come from the records; a bad status or schema is a TypeError', ({ assert }) => {
    assert.deepEqual(countTests(RECORDS), { passed: 4, failed: 2, skipped: 1 });
    assert.deepEqual(countTests([]), { passed: 0, failed: 0, skipped: 0 });
    assert.deepEqual(buildAuditReport([], { passed: 3, failed: 1, skipped: 0 }, REPORT.host).tests, { passed: 3, failed: 1, skipped: 0 });
    assert.throws(() => countTests([{ name: 't', status: 'ok' as 'passed', durationMs: 0 }]), TypeError, /status "ok"/);
    assert.throws(() => serializeAuditReport({ ...REPORT, schema: 'fdaudit/audit@2' as 'fdaudit/audit@1' }), TypeError, /schema/);
  });

  test('hostFacts: this kernel release, this Node, glibc with its version', ({ assert }) => {
    const h = hostFacts();
    assert.equal(h.kernel, release());
    assert.equal(h.node, process.version);
    const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime;
    if (glibc) assert.equal(h.libc, `glibc ${glibc}`);
    else assert.oneOf(h.libc, ['musl', 'unknown']);
    assert.match(h.libc, /^(glibc \d+\.\d+|musl|unknown)$/);
    // Reading the report must not change the process-wide setting.
    assert.isFalse((process.report as { excludeNetwork?: boolean }).excludeNetwork ?? false);
  });
});

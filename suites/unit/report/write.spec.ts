import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeAuditReport } from '../../../src/report/audit-json.ts';
import { renderJunit } from '../../../src/report/junit.ts';
import { renderSummary } from '../../../src/report/markdown.ts';
import { writeReports } from '../../../src/report/write.ts';
import type { ReportFormat } from '../../../src/report/types.ts';
import { RECORDS, REPORT } from './golden/fixtures.ts';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WRITE_MODULE = fileURLToPath(new URL('../../../src/report/write.ts', import.meta.url));

/** A user + mount namespace lets an unprivileged test mount a tiny tmpfs that fills up. */
const canMountTmpfs = (): boolean => spawnSync('unshare', ['-rm', 'true'], { stdio: 'ignore' }).status === 0;

/** Every entry under `dir`, recursively, as paths relative to it. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

test.group('report: writeReports', (group) => {
  let root = '';
  group.each.setup(() => {
    root = mkdtempSync(join(tmpdir(), 'fdaudit-reports-'));
    return () => rmSync(root, { recursive: true, force: true });
  });

  test('creates the directory, writes the three reports, returns their paths, leaves no temp file', ({ assert }) => {
    const out = join(root, 'a', 'b', 'reports');
    const written = writeReports(out, REPORT, RECORDS);
    assert.deepEqual(written, {
      auditJson: join(out, 'audit.json'),
      junitXml: join(out, 'junit.xml'),
      summaryMd: join(out, 'summary.md'),
    });
    assert.deepEqual(tree(out), ['audit.json', 'junit.xml', 'summary.md']);
    assert.equal(readFileSync(join(out, 'audit.json'), 'utf8'), serializeAuditReport(REPORT));
    assert.equal(readFileSync(join(out, 'junit.xml'), 'utf8'), renderJunit(RECORDS));
    assert.equal(readFileSync(join(out, 'summary.md'), 'utf8'), renderSummary(REPORT, RECORDS));
    assert.equal(JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8')).schema, 'fdaudit/audit@1');
  });

  test('a second run replaces the files whole', ({ assert }) => {
    writeReports(root, REPORT, RECORDS);
    const second = { ...REPORT, tests: { passed: 9, failed: 0, skipped: 0 } };
    writeReports(root, second, []);
    assert.deepEqual(JSON.parse(readFileSync(join(root, 'audit.json'), 'utf8')).tests, second.tests);
    assert.notInclude(readFileSync(join(root, 'junit.xml'), 'utf8'), '<testcase');
    assert.deepEqual(tree(root), ['audit.json', 'junit.xml', 'summary.md']);
  });

  test('a directory under a regular file: an Error naming the directory and the reason, nothing written', ({ assert }) => {
    writeFileSync(join(root, 'plain-file'), 'x');
    const out = join(root, 'plain-file', 'reports');
    assert.throws(
      () => writeReports(out, REPORT, RECORDS),
      `cannot write reports to ${out}: a part of the path is not a directory (ENOTDIR)`,
    );
    assert.deepEqual(tree(root), ['plain-file']);
  });

  test('an out path that is a regular file is refused by name', ({ assert }) => {
    const out = join(root, 'taken');
    writeFileSync(out, 'x');
    assert.throws(() => writeReports(out, REPORT, RECORDS), new RegExp(`^cannot write reports to ${out}: .*\\((EEXIST|ENOTDIR)\\)$`));
    assert.equal(readFileSync(out, 'utf8'), 'x');
    assert.deepEqual(tree(root), ['taken']);
  });

  test('a report name taken by a directory fails before any file is replaced, no temp file left', ({ assert }) => {
    mkdirSync(join(root, 'junit.xml'));
    writeFileSync(join(root, 'audit.json'), 'old');
    assert.throws(() => writeReports(root, REPORT, RECORDS), /cannot write reports to .*: a report file name is taken by a directory \(EISDIR\)/);
    assert.equal(readFileSync(join(root, 'audit.json'), 'utf8'), 'old');
    assert.deepEqual(tree(root), ['audit.json', 'junit.xml']);
  });

  test('formats picks the files; the others are null and not written', ({ assert }) => {
    const written = writeReports(root, REPORT, RECORDS, { formats: ['json'] });
    assert.deepEqual(written, { auditJson: join(root, 'audit.json'), junitXml: null, summaryMd: null });
    assert.deepEqual(tree(root), ['audit.json']);
  });

  test('bad arguments fail before anything is created', ({ assert }) => {
    const out = join(root, 'never');
    assert.throws(() => writeReports('', REPORT, RECORDS), TypeError);
    assert.throws(() => writeReports(out, REPORT, RECORDS, { formats: ['html' as ReportFormat] }), RangeError, /unknown report format "html"; valid: json, junit, summary/);
    assert.throws(() => writeReports(out, { ...REPORT, schema: 'x' as 'fdaudit/audit@1' }, RECORDS), TypeError, /schema/);
    assert.isFalse(existsSync(out));
  });

  test('a disk that fills up half-way: an Error naming the directory, no temp file, no report', ({ assert }) => {
    const mnt = join(root, 'mnt');
    mkdirSync(mnt);
    // audit.json (no results) fits in the 8 KiB tmpfs; junit.xml with these records does not.
    const records = Array.from({ length: 200 }, (_, i) => ({
      name: `t${i}`, status: 'failed', durationMs: 1, message: 'x'.repeat(100),
    }));
    const script = join(root, 'fill.mts');
    writeFileSync(
      script,
      `import { readdirSync } from 'node:fs';
import { writeReports } from ${JSON.stringify(WRITE_MODULE)};
const report = { schema: 'fdaudit/audit@1', host: { kernel: 'k', node: 'n', libc: 'l' }, results: [], tests: { passed: 0, failed: 200, skipped: 0 } };
let message = null;
try { writeReports(process.argv[2], report, ${JSON.stringify(records)}); } catch (e) { message = e.message; }
console.log(JSON.stringify({ message, entries: readdirSync(process.argv[2]) }));
`,
    );
    const run = spawnSync(
      'unshare',
      ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=8k tmpfs "$1" && exec "$2" --import tsx "$3" "$1"', 'sh', mnt, process.execPath, script],
      { cwd: PACKAGE_ROOT, encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { message: string | null; entries: string[] };
    assert.equal(out.message, `cannot write reports to ${mnt}: no space left on device (ENOSPC)`);
    assert.deepEqual(out.entries, [], 'neither a temp file nor audit.json is left');
  }).skip(!canMountTmpfs(), 'needs a user and mount namespace (unshare -rm)');
});

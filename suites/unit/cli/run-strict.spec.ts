/**
 * `fdaudit run --strict`: every skipped test or result fails the run (exit 1), naming what was skipped
 * and why; without it the same run passes with the skip counted.
 */
import { test } from '@japa/runner';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReport, AuditResult } from '../../../src/audit/types.ts';
import { strictRecords } from '../../../src/orchestrate/strict.ts';
import type { TestRecord } from '../../../src/report/types.ts';
import { runCli, tempDir, writeSpec } from './helpers.ts';

const SPEC = `
test.group('one check that runs, one that cannot here', () => {
  test('native is sealed', async ({ audit, assert }) => {
    assert.sealed(await audit('native', { baits: ['pipe'] }));
  });
  test('needs a runtime this machine lacks').skip(true, 'frobnicator is not installed; add it with npm install frobnicator').run(() => {});
});
`;

test.group('fdaudit run --strict', (group) => {
  let dir = '';
  let remove = (): void => {};
  group.setup(() => {
    ({ dir, cleanup: remove } = tempDir('fdaudit-strict-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    return () => remove();
  });

  test('a skipped test passes the run without --strict and fails it with --strict, naming the skip and its reason', async ({ assert }) => {
    const spec = writeSpec(dir, 'skips.spec.ts', SPEC);
    const plain = await runCli(['run', spec, '--out', join(dir, 'plain'), '--reporter', 'json,junit', '--bait', 'pipe']);
    assert.equal(plain.code, 0, plain.stderr);
    const counted = JSON.parse(readFileSync(join(dir, 'plain', 'audit.json'), 'utf8')) as AuditReport;
    assert.deepEqual(counted.tests, { passed: 1, failed: 0, skipped: 1 });

    const strict = await runCli(['run', spec, '--strict', '--out', join(dir, 'strict'), '--reporter', 'json,junit', '--bait', 'pipe']);
    assert.equal(strict.code, 1, `--strict must fail a run with a skip:\n${strict.stdout}\n${strict.stderr}`);
    const report = JSON.parse(readFileSync(join(dir, 'strict', 'audit.json'), 'utf8')) as AuditReport;
    assert.deepEqual(report.tests, { passed: 1, failed: 1, skipped: 0 });
    assert.match(strict.stderr, /needs a runtime this machine lacks: skipped, and --strict fails every skip: frobnicator is not installed/);
    assert.include(readFileSync(join(dir, 'strict', 'junit.xml'), 'utf8'), 'frobnicator is not installed');
  }).timeout(120_000);

  test('a skipped result that no test stands for becomes a failure of its own; results that ran and passing tests stay as they are', ({ assert }) => {
    const result = (launcher: string, status: AuditResult['status'], error: string | null): AuditResult => ({
      launcher, kernel: 'host', status, baits: [], extraFds: [], rlimitNofile: null, signals: null, closeStrategy: null, error, durationMs: 0,
    });
    const passed: TestRecord = { name: 'native › pipe', launcher: 'native', kernel: 'host', status: 'passed', durationMs: 1 };
    const skippedTest: TestRecord = { name: 'execa', launcher: 'execa', kernel: 'host', status: 'skipped', message: 'execa is not installed', durationMs: 0 };
    const out = strictRecords(
      [result('native', 'sealed', null), result('execa', 'skipped', 'execa is not installed'), result('ext:bun-spawn', 'skipped', 'bun not found')],
      [passed, skippedTest],
    );
    assert.deepEqual(out.map((r) => [r.name, r.status]), [['native › pipe', 'passed'], ['execa', 'failed'], ['ext:bun-spawn [host] skipped', 'failed']]);
    assert.match(out[2]?.message ?? '', /ext:bun-spawn was skipped under host, and --strict fails every skip: bun not found/);
    assert.deepEqual(strictRecords([result('native', 'sealed', null)], [passed]), [passed], 'nothing skipped: nothing changes');
  });
});

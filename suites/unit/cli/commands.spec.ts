/** `fdaudit compare`, `launchers`, `baits`, `probe` end to end, and their usage errors (exit 2). */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BAIT_KINDS } from '../../../src/bait/types.ts';
import { CLI } from './helpers.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function fdaudit(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test.group('cli: compare, launchers, baits, probe', (group) => {
  let dir = '';
  group.each.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdaudit-cli-test-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  test('compare --json writes an fdaudit/audit@1 report with every bait kind asked for', async ({ assert }) => {
    const out = join(dir, 'audit.json');
    const r = fdaudit('compare', '--launcher', 'node:spawn', '--launcher', 'native', '--bait', 'pipe,cloexec,high-fd', '--exec', 'envx=env {probe}', '--launcher', 'ext:envx', '--json', out);
    assert.equal(r.code, 0, r.stderr);
    assert.include(r.stdout, 'node:spawn');
    assert.include(r.stdout, 'native');
    const report = JSON.parse(readFileSync(out, 'utf8')) as { schema: string; results: Array<{ launcher: string; status: string; baits: Array<{ kind: string; crossed: boolean }> }> };
    assert.equal(report.schema, 'fdaudit/audit@1');
    const byId = new Map(report.results.map((x) => [x.launcher, x]));
    assert.equal(byId.get('native')?.status, 'sealed');
    assert.equal(byId.get('node:spawn')?.status, 'leak');
    assert.equal(byId.get('ext:envx')?.status, 'leak');
    assert.sameMembers(byId.get('native')?.baits.map((b) => b.kind) ?? [], ['pipe', 'cloexec', 'high-fd']);
    for (const x of report.results) assert.isFalse(x.baits.find((b) => b.kind === 'cloexec')?.crossed, x.launcher);
  });

  test('compare --kernel re-runs under the personality: the fallback mutant leaks unforced, native seals', async ({ assert }) => {
    const out = join(dir, 'k.json');
    const r = fdaudit('compare', '--kernel', 'linux-5.8', '--launcher', 'mutant:fd-setsize-fallback', '--launcher', 'native', '--bait', 'high-fd,pipe', '--json', out);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { results: Array<{ launcher: string; kernel: string; status: string; scenario?: string; closeStrategy: string | null; baits: Array<{ kind: string; crossed: boolean }> }> };
    const mutant = report.results.find((x) => x.launcher === 'mutant:fd-setsize-fallback');
    const native = report.results.find((x) => x.launcher === 'native');
    assert.equal(mutant?.kernel, 'linux-5.8');
    assert.equal(mutant?.scenario, 'unforced: close_range fails under linux-5.8');
    assert.deepEqual(mutant?.baits.filter((b) => b.crossed).map((b) => b.kind), ['high-fd']);
    assert.equal(native?.status, 'sealed');
    assert.notEqual(native?.closeStrategy, 'close_range', 'close_range is refused under linux-5.8');
  });

  test('usage errors exit 2 with a short message naming the bad value and the valid ones', ({ assert }) => {
    const cases: Array<[string[], RegExp]> = [
      [['compare', '--launcher', 'no-such-launcher'], /unknown launcher 'no-such-launcher'; valid: .*node:spawn/],
      [['compare', '--bait', 'nope'], /unknown bait kind 'nope'; valid: file, dir/],
      [['compare', '--exec', 'mine=env true'], /no \{probe\}/],
      [['compare', '--exec', 'env {probe}'], /expected NAME=TEMPLATE/],
      [['compare', '--exec', 'sh=env {probe}'], /clashes with the built-in/],
      [['compare', '--config', join('/nonexistent', 'fdaudit.config.mjs')], /config .*cannot be read \(ENOENT\)/],
      [['compare', '--timeout', 'abc'], /--timeout must be a positive integer/],
      [['compare', '--kernel', 'linux-9'], /unknown kernel personality 'linux-9'; valid: host, linux-5.10/],
      [['probe', '--launcher', 'nope'], /unknown launcher 'nope'/],
    ];
    for (const [args, re] of cases) {
      const r = fdaudit(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.isBelow(r.stderr.split('\n').length, 6, 'short');
    }
  });

  test('launchers lists every id with its description; baits lists every kind', ({ assert }) => {
    const l = fdaudit('launchers', '--exec', 'mine=env {probe}');
    assert.equal(l.code, 0, l.stderr);
    for (const id of ['node:spawn', 'native', 'native:leak', 'posix_spawn', 'ext:python-subprocess', 'mutant:naive-dup', 'ext:mine']) {
      assert.match(l.stdout, new RegExp(`^${id.replace(/[:.]/g, '\\$&')}\\s+\\S`, 'm'), id);
    }
    const b = fdaudit('baits');
    assert.equal(b.code, 0);
    assert.deepEqual(b.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0]), [...BAIT_KINDS]);
    assert.notMatch(b.stdout, /refused here/, 'every kind opens on this host');
  });

  test('probe --path prints the probe executable; probe prints a report of the child it started', ({ assert }) => {
    const p = fdaudit('probe', '--path');
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout.trim(), /^\/.*\/fdaudit-probe$/);
    const r = fdaudit('probe', '--launcher', 'node:spawn');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { schema: string; rlimitNofile: { soft: number } };
    assert.equal(report.schema, 'fdaudit/probe@1');
    assert.isAbove(report.rlimitNofile.soft, 1024, 'node:spawn hands on the raised soft limit');
  });
});

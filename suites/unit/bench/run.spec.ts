import { test } from '@japa/runner';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { runBench } from '../../../src/bench/run.ts';
import type { BenchReport, BenchRow } from '../../../src/bench/types.ts';
import { openFds, zombieChildren } from '../../../src/native/fdops.ts';
import { xmlProblem } from '../../fixtures/html/xml.ts';

const nullableNumber = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));

/** Every field bench.json promises, with its type; returns what is wrong, or []. */
function schemaProblems(r: BenchReport): string[] {
  const p: string[] = [];
  if (r.schema !== 'fdaudit/bench@1') p.push(`schema ${String(r.schema)}`);
  for (const k of ['kernel', 'node', 'libc', 'cpuModel'] as const) if (typeof r.host?.[k] !== 'string') p.push(`host.${k}`);
  if (!Number.isInteger(r.host?.cpus)) p.push('host.cpus');
  if (typeof r.command !== 'string' || typeof r.startedAt !== 'string' || !Number.isFinite(r.durationMs)) p.push('run facts');
  if (!Array.isArray(r.rows) || !Array.isArray(r.targets)) return [...p, 'rows/targets'];
  r.rows.forEach((row: BenchRow, i) => {
    const at = `rows[${i}] (${row.scenario} ${row.launcher})`;
    if (typeof row.scenario !== 'string' || typeof row.launcher !== 'string') p.push(`${at} ids`);
    if (row.params === null || typeof row.params !== 'object') p.push(`${at}.params`);
    if (!Number.isInteger(row.n) || row.n < 0) p.push(`${at}.n`);
    for (const k of ['median_us', 'p95_us', 'min_us'] as const) if (!nullableNumber(row[k])) p.push(`${at}.${k}`);
    if (!nullableNumber(row.ratios?.floor) || !nullableNumber(row.ratios?.['node:spawnSync'])) p.push(`${at}.ratios`);
    if (row.n > 0 && (row.median_us === null || row.p95_us === null || row.p95_us < row.median_us)) p.push(`${at} median/p95`);
    if (row.n === 0 && typeof row.error !== 'string') p.push(`${at}: no figure and no reason`);
  });
  for (const t of r.targets) if (typeof t.id !== 'string' || ![true, false, null].includes(t.met)) p.push(`target ${t.id}`);
  return p;
}

test.group('bench: a quick run end to end', (group) => {
  let out = '';
  group.each.setup(() => {
    out = mkdtempSync(join(tmpdir(), 'fdaudit-bench-'));
    return () => rmSync(out, { recursive: true, force: true });
  });

  test('memory and fds: bench.json has every field, a row per launcher and level, ratios within each level', async ({ assert }) => {
    const fdsBefore = openFds().length;
    const { report, files } = await runBench({ quick: true, out, scenarios: ['memory', 'fds'], rounds: 2, warmup: 1 });
    assert.deepEqual(schemaProblems(report), []);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')), report);
    assert.sameMembers(readdirSync(out), ['bench.json', 'bench-memory.svg', 'bench-fds.svg', 'index.html']);
    assert.sameMembers(files, ['bench.json', 'bench-memory.svg', 'bench-fds.svg', 'index.html'].map((f) => join(out, f)));

    const mem = report.rows.filter((r) => r.scenario === 'memory');
    assert.sameMembers([...new Set(mem.map((r) => r.launcher))], ['floor', 'core', 'native', 'fork', 'posix_spawn', 'node:spawnSync', 'node:spawn']);
    for (const r of mem) assert.equal(r.n, 2, `${r.launcher}: ${r.error ?? ''}`);
    const floorAt = (mib: unknown) => mem.find((r) => r.launcher === 'floor' && r.params.memory_mib === mib);
    for (const r of mem) {
      assert.isAtLeast(Number(r.params.rss_mib), Number(r.params.memory_mib) * 0.9);
      // The ratio is this row's median over the floor of the same level (rounded to 3 places).
      assert.closeTo(r.ratios.floor ?? NaN, (r.median_us ?? NaN) / (floorAt(r.params.memory_mib)?.median_us ?? NaN), 0.002);
    }
    const fds = report.rows.filter((r) => r.scenario === 'fds');
    const strategies = fds.filter((r) => r.launcher === 'native').map((r) => `${r.params.open_fds}/${r.params.strategy}`);
    assert.sameMembers(strategies, ['10/auto', '10/close_range', '10/proc', '10/poll', '10/loop', '1000/auto', '1000/close_range', '1000/proc', '1000/poll', '1000/loop']);
    for (const r of fds.filter((x) => x.launcher === 'native')) assert.equal(r.params.used, r.params.strategy === 'auto' ? 'close_range' : r.params.strategy);
    assert.isTrue(fds.some((r) => r.launcher === 'ext:python-subprocess'));
    for (const l of ['floor:close_range', 'floor:unshare']) {
      assert.sameMembers(fds.filter((r) => r.launcher === l).map((r) => `${r.params.open_fds}:${r.n}`), ['10:2', '1000:2'], l);
    }
    // The C core as it chooses, and forced to close_range and to each number-walking fallback.
    const core = fds.filter((r) => r.launcher === 'core').map((r) => `${r.params.open_fds}/${r.params.strategy ?? 'auto'}:${r.n}`);
    assert.sameMembers(core, ['10/auto', '10/close_range', '10/poll', '10/loop', '1000/auto', '1000/close_range', '1000/poll', '1000/loop'].map((c) => `${c}:2`));
    for (const r of fds.filter((x) => x.launcher === 'core' && x.params.strategy !== undefined)) assert.equal(r.params.used, r.params.strategy);

    for (const f of ['bench-memory.svg', 'bench-fds.svg']) assert.isNull(xmlProblem(readFileSync(join(out, f), 'utf8')), f);
    assert.include(readFileSync(join(out, 'index.html'), 'utf8'), 'data-chart="bench-fds.svg"');
    assert.equal(openFds().length, fdsBefore);
    assert.deepEqual(zombieChildren(), []);
  }).timeout(180_000);

  test('personalities and stress: one worker per personality, stress counters present and clean', async ({ assert }) => {
    const { report } = await runBench({ quick: true, out, scenarios: ['personalities', 'stress'], rounds: 2, warmup: 0 });
    assert.deepEqual(schemaProblems(report), []);
    const pers = report.rows.filter((r) => r.scenario === 'personalities' && r.launcher === 'native');
    // Two levels: the fallbacks with many fds open, huge-nofile against host with 10.
    assert.sameMembers(pers.map((r) => `${String(r.params.kernel)}@${String(r.params.open_fds)}`), [
      'host@1000', 'linux-5.8@1000', 'linux-5.8+no-proc@1000', 'huge-nofile@1000', 'container-eperm+huge-nofile@1000',
      'host@10', 'huge-nofile@10', 'container-eperm+huge-nofile@10',
    ]);
    for (const r of pers) {
      if (r.n === 0) {
        assert.match(r.error ?? '', /unavailable here/);
        continue;
      }
      // The personality really applied: where close_range fails a fallback sealed the child (huge-nofile
      // alone leaves close_range working).
      const fallback = ['linux-5.8', 'linux-5.8+no-proc', 'container-eperm+huge-nofile'].includes(String(r.params.kernel));
      assert.equal(r.params.used !== 'close_range', fallback, `${r.params.kernel} closed by ${r.params.used}`);
      // A launch that sweeps to the limit is measured once and named, never timed a hundred times.
      if (r.n === 1) assert.match(r.error ?? '', /a sweep over fd numbers up to the limit/);
      else assert.isUndefined(r.error);
    }
    assert.exists(report.targets.find((t) => t.id === 'huge-nofile-eperm-vs-host@10fds'));
    const load = report.rows.find((r) => r.scenario === 'stress' && r.params.phase === 'load');
    assert.exists(load);
    assert.equal(load?.n, 100);
    assert.deepInclude(load?.params ?? {}, { launches: 100, extra_fd_children: 0, zombies: 0, parent_fd_delta: 0, errors: 0 }, load?.error);
    assert.isAbove(Number(load?.params.signals_handled), 0);
    assert.isAbove(Number(load?.params.churn_cycles), 0);
    assert.sameMembers(report.targets.filter((t) => t.id.startsWith('stress-')).map((t) => `${t.id}:${t.met}`),
      ['stress-extra-fds:true', 'stress-zombies:true', 'stress-fd-delta:true', 'stress-errors:true']);
  }).timeout(180_000);
});

test.group('bench: command line', (group) => {
  let err = '';
  const write = process.stderr.write.bind(process.stderr);
  group.each.setup(() => {
    err = '';
    process.stderr.write = ((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    }) as typeof process.stderr.write;
    return () => {
      process.stderr.write = write;
    };
  });

  test('usage errors exit 2 and name the problem; nothing is written', async ({ assert }) => {
    const out = mkdtempSync(join(tmpdir(), 'fdaudit-bench-cli-'));
    try {
      assert.equal(await main(['node', 'fdaudit', 'bench', '--quick', '--out', out, '--scenario', 'speed']), 2);
      assert.include(err, "unknown benchmark scenario 'speed'");
      assert.equal(await main(['node', 'fdaudit', 'bench', '--rounds', '0', '--out', out]), 2);
      assert.include(err, '--rounds must be an integer ≥ 1');
      assert.deepEqual(readdirSync(out), []);
      // An --out that cannot be a directory is refused before any scenario runs.
      writeFileSync(join(out, 'file'), 'x');
      assert.equal(await main(['node', 'fdaudit', 'bench', '--quick', '--out', join(out, 'file', 'sub')]), 2);
      assert.include(err, `cannot write the benchmark to ${join(out, 'file', 'sub')}`);
      assert.deepEqual(readdirSync(out), ['file']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

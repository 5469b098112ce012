/**
 * The trace scenario of `fdaudit bench`, shrunk: the loop runs untraced, under fdaudit trace end to end and
 * under the bare tracer; the tree levels report the tracer's own peak RSS; the targets read those rows.
 */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { loopScript, traceScenario, treeScript } from '../../../src/bench/trace.ts';
import { evaluateTargets } from '../../../src/bench/targets.ts';
import type { BenchRow } from '../../../src/bench/types.ts';
import { traceCommand } from '../../../src/trace/run.ts';
import { needsPtrace } from './helpers.ts';

const row = (launcher: string, params: BenchRow['params'], median: number | null): BenchRow => ({
  scenario: 'trace', launcher, params, n: 1, median_us: median, p95_us: median, min_us: median, ratios: { floor: null, 'node:spawnSync': null },
});

test.group('bench: trace scenario', (group) => {
  needsPtrace(group);
  test('the loop and tree scripts run as many execs as they say', async ({ assert }) => {
    assert.equal(spawnSync('/bin/sh', ['-c', loopScript(3)]).status, 0);
    const loop = await traceCommand(['/bin/sh', '-c', loopScript(7)]);
    assert.lengthOf(loop.execs, 8);
    const tree = await traceCommand(['/bin/sh', '-c', treeScript(60)]);
    // 6 shells, each running 9 /bin/true, under the root shell.
    assert.lengthOf(tree.execs, 61);
  });

  test('one shrunk run gives the three loop rows and one tree row per size, with the tracer RSS', async ({ assert }) => {
    const rows = await traceScenario({ loopExecs: 5, loopRounds: 1, loopWarmup: 0, treeExecs: [20, 40] }, () => {});
    assert.deepEqual(rows.map((r) => [r.launcher, r.params.level]), [
      ['untraced', 'loop'], ['fdaudit trace', 'loop'], ['fdaudit-trace', 'loop'], ['fdaudit-trace', 'tree'], ['fdaudit-trace', 'tree'],
    ]);
    for (const r of rows) assert.isUndefined(r.error, r.error);
    assert.equal(rows[0]!.params.vs_untraced, 1);
    assert.isAbove(Number(rows[3]!.params.max_rss_kib), 0);
    // A few MiB at most: the tracer's own image, not the Node process that started it.
    assert.isBelow(Number(rows[3]!.params.max_rss_kib), 32 * 1024);
    assert.equal(rows[4]!.params.execs, 41);
  });

  test('targets: the traced loop against 1.5× untraced, the tree RSS against 1.25× the smaller tree', ({ assert }) => {
    const targets = (traced: number, big: number) =>
      evaluateTargets([
        row('untraced', { level: 'loop', execs: 3000 }, 1000),
        row('fdaudit trace', { level: 'loop', execs: 3000 }, traced),
        row('fdaudit-trace', { level: 'tree', execs: 1001, max_rss_kib: 2000 }, 1),
        row('fdaudit-trace', { level: 'tree', execs: 10001, max_rss_kib: big }, 1),
      ]).filter((t) => t.id.startsWith('trace-'));
    assert.deepEqual(targets(1400, 2100).map((t) => [t.id, t.value, t.met]), [['trace-loop-vs-untraced', 1.4, true], ['trace-tree-rss', 1.05, true]]);
    assert.deepEqual(targets(1600, 4000).map((t) => [t.id, t.value, t.met]), [['trace-loop-vs-untraced', 1.6, false], ['trace-tree-rss', 2, false]]);
  });
});

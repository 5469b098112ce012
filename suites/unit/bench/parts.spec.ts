import { test } from '@japa/runner';
import { renderCharts } from '../../../src/bench/charts.ts';
import { startFloor } from '../../../src/bench/external.ts';
import { parseScenarios } from '../../../src/bench/run.ts';
import { runInterleaved } from '../../../src/bench/rounds.ts';
import type { Contender } from '../../../src/bench/rounds.ts';
import { RoundServer } from '../../../src/bench/server.ts';
import { quantile, ratio, summarize } from '../../../src/bench/stats.ts';
import { evaluateTargets } from '../../../src/bench/targets.ts';
import type { BenchReport, BenchRow } from '../../../src/bench/types.ts';
import { nativePath } from '../../../src/native/paths.ts';
import * as fdops from '../../../src/native/fdops.ts';
import { launchSync } from '../../../src/launch/index.ts';
import { xmlProblem } from '../../fixtures/html/xml.ts';

function row(scenario: BenchRow['scenario'], launcher: string, params: BenchRow['params'], median: number | null): BenchRow {
  return { scenario, launcher, params, n: median === null ? 0 : 5, median_us: median, p95_us: median, min_us: median, ratios: { floor: null, 'node:spawnSync': null } };
}

test.group('bench: statistics', () => {
  test('quantiles interpolate between ranks; empty samples give null', ({ assert }) => {
    assert.equal(quantile([3, 1, 2], 0.5), 2);
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([10, 20], 0.95), 19.5);
    assert.isNull(quantile([], 0.5));
    assert.throws(() => quantile([1], 1.5), /within 0\.\.1/);
    assert.deepEqual(summarize([5, 1, 9, 3]), { n: 4, median_us: 4, p95_us: 8.4, min_us: 1 });
    assert.equal(ratio(30, 10), 3);
    assert.isNull(ratio(30, 0));
    assert.isNull(ratio(null, 10));
  });
});

test.group('bench: targets', () => {
  const rows: BenchRow[] = [
    row('memory', 'floor', { memory_mib: 2048 }, 500),
    row('memory', 'native', { memory_mib: 2048 }, 600),
    row('memory', 'node:spawnSync', { memory_mib: 2048 }, 45_000),
    row('fds', 'native', { open_fds: 10, strategy: 'auto' }, 600),
    row('fds', 'native', { open_fds: 10_000, strategy: 'auto' }, 1200),
    row('fds', 'native', { open_fds: 10, strategy: 'close_range' }, 600),
    row('fds', 'native', { open_fds: 10, strategy: 'poll' }, 618),
    row('fds', 'native', { open_fds: 10_000, strategy: 'poll' }, 9000),
    row('personalities', 'native', { open_fds: 10_000, kernel: 'host' }, 1000),
    row('personalities', 'native', { open_fds: 10_000, kernel: 'linux-5.8' }, 1900),
    row('personalities', 'native', { open_fds: 10_000, kernel: 'linux-5.8+no-proc' }, 5200),
    row('personalities', 'native', { open_fds: 10_000, kernel: 'container-eperm+huge-nofile' }, 4_000_000),
    row('personalities', 'native', { open_fds: 10, kernel: 'host' }, 800),
    row('personalities', 'native', { open_fds: 10, kernel: 'container-eperm+huge-nofile' }, 1200),
    row('stress', 'native', { phase: 'load', extra_fd_children: 0, zombies: 0, parent_fd_delta: 1, errors: 0 }, 900),
  ];
  const byId = (id: string) => evaluateTargets(rows).find((t) => t.id === id);

  test('each claim is met or missed from the figures, never assumed', ({ assert }) => {
    assert.deepInclude(byId('native-vs-floor@2048MiB'), { value: 1.2, met: true });
    assert.deepInclude(byId('spawnSync-vs-native@2048MiB'), { value: 75, met: true });
    assert.deepInclude(byId('sealed@10000fds-vs-10fds'), { value: 2, met: false });
    assert.deepInclude(byId('poll-vs-close_range@10fds'), { value: 1.03, met: true });
    assert.deepInclude(byId('fallback-vs-close_range'), { value: 1.9, met: true });
    assert.deepInclude(byId('noproc-fallback-vs-close_range'), { value: 5.2, met: false });
    // Each personality figure is read at its own level: host at 10 fds against container-eperm+huge-nofile at 10.
    assert.deepInclude(byId('huge-nofile-eperm-vs-host@10fds'), { value: 1.5, met: true });
    assert.deepInclude(byId('stress-extra-fds'), { value: 0, met: true });
    assert.deepInclude(byId('stress-fd-delta'), { value: 1, met: false });
  });

  test('a missing figure leaves the claim unknown, not met', ({ assert }) => {
    const partial = evaluateTargets([row('memory', 'native', { memory_mib: 50 }, 600), row('memory', 'floor', { memory_mib: 50 }, null)]);
    assert.deepInclude(partial.find((t) => t.id === 'native-vs-floor@50MiB'), { value: null, met: null });
    assert.deepEqual(evaluateTargets([]), []);
    // A sweep measured once (n = 1, far above host) misses the claim rather than leaving it unknown.
    const swept = evaluateTargets([
      row('personalities', 'native', { open_fds: 10_000, kernel: 'host' }, 1000),
      row('personalities', 'native', { open_fds: 10, kernel: 'host' }, 800),
      row('personalities', 'native', { open_fds: 10, kernel: 'container-eperm+huge-nofile' }, 4_000_000),
    ]);
    assert.deepInclude(swept.find((t) => t.id === 'huge-nofile-eperm-vs-host@10fds'), { value: 5000, met: false });
  });
});

test.group('bench: scenario names', () => {
  test('repeatable and comma-separated, run in their fixed order; unknown names are refused', ({ assert }) => {
    assert.deepEqual(parseScenarios(undefined), ['memory', 'fds', 'personalities', 'stress', 'trace']);
    assert.deepEqual(parseScenarios(['trace,stress,fds', 'fds']), ['fds', 'stress', 'trace']);
    assert.throws(() => parseScenarios(['fds', 'speed']), /unknown benchmark scenario 'speed'; valid: memory, fds, personalities, stress, trace/);
    assert.throws(() => parseScenarios([',']), /no benchmark scenario given/);
  });
});

test.group('bench: interleaved rounds', () => {
  test('rotates the order every round, discards the warm-up, and retires a failing contender', async ({ assert }) => {
    const order: string[] = [];
    const make = (launcher: string, failAt = -1): Contender => {
      let calls = 0;
      return {
        launcher,
        round: () => {
          order.push(launcher);
          if (calls++ === failAt) throw new Error(`${launcher} broke`);
          return calls;
        },
      };
    };
    const results = await runInterleaved([make('a'), make('b'), make('c', 2)], { rounds: 3, warmup: 1 });
    assert.deepEqual(order, ['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b', 'a', 'b']);
    assert.deepEqual(results[0]?.samples, [2, 3, 4]);
    assert.deepEqual(results[2]?.samples, [2]);
    assert.equal(results[2]?.error, 'c broke');
    assert.isUndefined(results[0]?.error);
  });

  test('refuses a plan without rounds and an impossible duration', async ({ assert }) => {
    await assert.rejects(() => runInterleaved([], { rounds: 0, warmup: 0 }), /rounds must be a positive integer/);
    const [r] = await runInterleaved([{ launcher: 'x', round: () => -1 }], { rounds: 1, warmup: 0 });
    assert.match(r?.error ?? '', /impossible duration/);
  });
});

test.group('bench: round servers', () => {
  test('the C floor answers one timed round per request and exits at end of input, leaving no zombie', async ({ assert }) => {
    const floor = startFloor(nativePath('fdaudit-true'));
    const a = await floor.round();
    const b = await floor.round();
    assert.isAbove(a.us, 0);
    assert.isAbove(b.us, 0);
    await floor.stop();
    assert.deepEqual(fdops.zombieChildren(), []);
  });

  test('a failing program, a dead server and a server that answers garbage are errors that name the server', async ({ assert }) => {
    const floor = startFloor(nativePath('fdaudit-fdcount').replace(/fdcount$/, 'missing-program'));
    await assert.rejects(() => floor.round(), /floor: No such file or directory/);
    await floor.stop();
    const garbage = new RoundServer('garbage', ['/bin/sh', '-c', 'read x; echo not-json; read y']);
    await assert.rejects(() => garbage.round(), /round server garbage answered with something that is not JSON: not-json/);
    await garbage.stop();
    const dead = new RoundServer('dead', ['/bin/sh', '-c', 'echo gone >&2; exit 3']);
    await assert.rejects(() => dead.round(), /round server dead exited with status 3: gone/);
    await dead.stop();
    assert.deepEqual(fdops.zombieChildren(), []);
  });

  test('fdaudit-fdcount exits with the number of inherited fds beyond stdio (the stress check and its control)', ({ assert }) => {
    const file = nativePath('fdaudit-fdcount');
    const [r, w] = fdops.pipe();
    try {
      assert.equal(launchSync(file, [], {}).code, 0);
      assert.equal(launchSync(file, [], { keep: [w] }).code, 1);
      assert.equal(launchSync(file, [], { keep: [r, w] }).code, 2);
      assert.isAtLeast(launchSync(file, [], { seal: false }).code ?? 0, 2);
    } finally {
      fdops.close(r);
      fdops.close(w);
    }
  });
});

test.group('bench: charts', () => {
  const report = (rows: BenchRow[]): BenchReport => ({
    schema: 'fdaudit/bench@1',
    host: { kernel: 'k', node: 'v', libc: 'l', cpus: 1, cpuModel: 'c', memTotalMiB: 1, nofile: { soft: 1, hard: 1 }, loadavg: [] },
    command: 'x', quick: true, rounds: 1, warmup: 0, scenarios: ['memory', 'fds', 'personalities'], startedAt: '', durationMs: 0,
    rows, targets: [],
  });

  test('one well-formed SVG per scenario with figures; none for a scenario that did not run', async ({ assert }) => {
    const charts = await renderCharts(report([
      row('memory', 'floor', { memory_mib: 50, rss_mib: 60 }, 500),
      row('memory', 'native', { memory_mib: 50, rss_mib: 60 }, 600),
      row('memory', 'native', { memory_mib: 512, rss_mib: 515 }, 610),
      row('fds', 'native', { open_fds: 10, strategy: 'proc' }, 700),
      row('fds', 'native', { open_fds: 1000, strategy: 'proc' }, 3000),
      row('fds', 'ext:python-subprocess', { open_fds: 10 }, null),
    ]));
    assert.deepEqual(charts.map((c) => c.file), ['bench-memory.svg', 'bench-fds.svg']);
    for (const c of charts) {
      assert.isNull(xmlProblem(c.svg), c.file);
      assert.match(c.svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.include(c.svg, c.title.replace(/&/g, '&amp;'));
    }
    assert.include(charts[0]?.svg ?? '', 'native');
    // Negative control: the checker does reject broken markup.
    assert.isNotNull(xmlProblem('<svg><g></svg>'));
    assert.isNotNull(xmlProblem('<svg a="1" a="2"/>'));
    assert.isNotNull(xmlProblem('<svg>&nbsp;</svg>'));
  });
});

/** The speed and reliability claims, checked against the rows of a run (absent figures stay unknown). */
import type { BenchRow, BenchTarget } from './types.ts';

type Match = (r: BenchRow) => boolean;

const median = (rows: readonly BenchRow[], match: Match): number | null => rows.find(match)?.median_us ?? null;
const param = (rows: readonly BenchRow[], match: Match, key: string): number | null => {
  const v = rows.find(match)?.params[key];
  return typeof v === 'number' ? v : null;
};
const div = (a: number | null, b: number | null): number | null =>
  a === null || b === null || b === 0 ? null : Math.round((a / b) * 1000) / 1000;

function target(id: string, claim: string, value: number | null, limit: number, kind: 'max' | 'min'): BenchTarget {
  const met = value === null ? null : kind === 'max' ? value <= limit : value >= limit;
  return { id, claim, value, limit, kind, met };
}

export function evaluateTargets(rows: readonly BenchRow[]): BenchTarget[] {
  const out: BenchTarget[] = [];
  const mem = rows.filter((r) => r.scenario === 'memory');
  const sizes = [...new Set(mem.map((r) => r.params.memory_mib))].filter((s): s is number => typeof s === 'number');
  for (const size of sizes) {
    // The default configuration only: diagnostic rows (an explicit env) carry an `env` param.
    const at = (launcher: string): Match => (r) => r.launcher === launcher && r.params.memory_mib === size && r.params.env === undefined;
    out.push(target(`native-vs-floor@${size}MiB`, `native ≤ 1.25× the C floor at ${size} MiB`,
      div(median(mem, at('native')), median(mem, at('floor'))), 1.25, 'max'));
  }
  const biggest = sizes.length ? Math.max(...sizes) : null;
  if (biggest !== null) {
    const at = (launcher: string): Match => (r) => r.launcher === launcher && r.params.memory_mib === biggest && r.params.env === undefined;
    out.push(target(`spawnSync-vs-native@${biggest}MiB`, `node:spawnSync ≥ 30× slower than native at ${biggest} MiB`,
      div(median(mem, at('node:spawnSync')), median(mem, at('native'))), 30, 'min'));
  }

  const fds = rows.filter((r) => r.scenario === 'fds' && r.launcher === 'native' && r.params.strategy === 'auto');
  const counts = fds.map((r) => r.params.open_fds).filter((c): c is number => typeof c === 'number');
  if (counts.includes(10)) {
    const base = median(fds, (r) => r.params.open_fds === 10);
    const many = counts.includes(10_000) ? 10_000 : Math.max(...counts);
    if (many !== 10) {
      out.push(target(`sealed@${many}fds-vs-10fds`, `sealed native with ${many} open fds ≤ 1.5× its round trip with 10`,
        div(median(fds, (r) => r.params.open_fds === many), base), 1.5, 'max'));
    }
  }

  // The fallback's cost follows the open fds: forced poll beside close_range, same level, same run.
  const byStrategy = (count: number, strategy: string): number | null =>
    median(rows, (r) => r.scenario === 'fds' && r.launcher === 'native' && r.params.open_fds === count && r.params.strategy === strategy);
  const allFds = rows.filter((r) => r.scenario === 'fds' && r.launcher === 'native').map((r) => r.params.open_fds);
  if (allFds.includes(10)) {
    out.push(target('poll-vs-close_range@10fds', 'forced poll with 10 open fds ≤ 1.05× close_range',
      div(byStrategy(10, 'poll'), byStrategy(10, 'close_range')), 1.05, 'max'));
  }

  const pers = rows.filter((r) => r.scenario === 'personalities' && r.launcher === 'native');
  const levels = [...new Set(pers.map((r) => r.params.open_fds))].filter((c): c is number => typeof c === 'number');
  // The fallbacks at the many-fds level (or rows without a level); huge-nofile at the few-fds one.
  const many = levels.length ? Math.max(...levels) : null;
  const few = levels.length > 1 ? Math.min(...levels) : null;
  const atLevel = (fds: number | null, kernel: string): number | null =>
    median(pers, (r) => r.params.kernel === kernel && (fds === null || r.params.open_fds === undefined || r.params.open_fds === fds));
  if (pers.some((r) => ['host', 'linux-5.8', 'linux-5.8+no-proc'].includes(String(r.params.kernel)))) {
    const host = atLevel(many, 'host');
    out.push(target('fallback-vs-close_range', 'linux-5.8 fallback ≤ 2× close_range (host)',
      div(atLevel(many, 'linux-5.8'), host), 2, 'max'));
    out.push(target('noproc-fallback-vs-close_range', 'linux-5.8+no-proc fallback ≤ 5× close_range (host)',
      div(atLevel(many, 'linux-5.8+no-proc'), host), 5, 'max'));
  }
  if (few !== null && pers.some((r) => r.params.kernel === 'container-eperm+huge-nofile' && r.params.open_fds === few)) {
    out.push(target(`huge-nofile-eperm-vs-host@${few}fds`,
      `sealed native with ${few} open fds under container-eperm+huge-nofile ≤ 2× its host round trip`,
      div(atLevel(few, 'container-eperm+huge-nofile'), atLevel(few, 'host')), 2, 'max'));
  }

  const load: Match = (r) => r.scenario === 'stress' && r.params.phase === 'load';
  if (rows.some(load)) {
    out.push(target('stress-extra-fds', 'stress: children that saw an extra fd = 0', param(rows, load, 'extra_fd_children'), 0, 'max'));
    out.push(target('stress-zombies', 'stress: zombies at the end = 0', param(rows, load, 'zombies'), 0, 'max'));
    out.push(target('stress-fd-delta', 'stress: parent fd count change = 0', param(rows, load, 'parent_fd_delta'), 0, 'max'));
    out.push(target('stress-errors', 'stress: failed launches = 0', param(rows, load, 'errors'), 0, 'max'));
  }

  const loop = rows.filter((r) => r.scenario === 'trace' && r.params.level === 'loop');
  const traced = loop.find((r) => r.launcher === 'fdaudit trace');
  if (traced) {
    const execs = traced.params.execs;
    out.push(target('trace-loop-vs-untraced', `a shell loop of ${execs} /bin/true under fdaudit trace (end to end) ≤ 1.5× untraced`,
      div(traced.median_us, median(loop, (r) => r.launcher === 'untraced')), 1.5, 'max'));
  }
  const tree = rows.filter((r) => r.scenario === 'trace' && r.params.level === 'tree' && typeof r.params.max_rss_kib === 'number');
  if (tree.length >= 2) {
    const bySize = [...tree].sort((a, b) => Number(a.params.execs) - Number(b.params.execs));
    const small = bySize[0] as BenchRow;
    const big = bySize[bySize.length - 1] as BenchRow;
    out.push(target('trace-tree-rss', `the tracer's max RSS with ${big.params.execs} execs ≤ 1.25× with ${small.params.execs}`,
      div(big.params.max_rss_kib as number, small.params.max_rss_kib as number), 1.25, 'max'));
  }
  return out;
}

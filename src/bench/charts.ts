/**
 * SVG charts of a benchmark: vega-lite specs compiled to vega and rendered headless by vega's own SVG
 * renderer (no browser, no canvas). Log scales: the figures span three orders of magnitude.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { BenchReport, BenchRow } from './types.ts';

export interface Chart {
  /** File name in the output directory. */
  file: string;
  title: string;
  svg: string;
}

interface Point {
  x: number;
  median: number;
  p95: number;
  series: string;
  kind?: string;
}

const kindOf = (launcher: string): string => (launcher === 'core' || launcher.startsWith('floor') ? 'C loop, no JavaScript' : 'launcher');

const AXIS_US = { title: 'round trip, µs (median; log scale)', grid: true } as const;

function lineSpec(title: string, xTitle: string, points: Point[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    width: 520,
    height: 320,
    background: 'white',
    data: { values: points },
    encoding: {
      // Not rounded out to powers of ten: the levels would sit in a corner of the plot.
      x: { field: 'x', type: 'quantitative', scale: { type: 'log', nice: false, padding: 24 }, axis: { title: xTitle, grid: true } },
      // Ten well-separated colours while they suffice; the fd chart's eleven series need twenty.
      color: { field: 'series', type: 'nominal', scale: { scheme: new Set(points.map((p) => p.series)).size > 10 ? 'tableau20' : 'category10' }, legend: { title: null, orient: 'right', symbolOpacity: 1, labelLimit: 320 } },
      // Dashed: loops in C with no JavaScript (the floor and the core), the references the launchers are held to.
      strokeDash: {
        field: 'kind',
        type: 'nominal',
        scale: { domain: ['launcher', 'C loop, no JavaScript'], range: [[1, 0], [6, 4]] },
        legend: { title: null, orient: 'bottom', symbolType: 'stroke', labelLimit: 320 },
      },
    },
    layer: [
      // p95 as a faint band above each median: how wide the tail is.
      { mark: { type: 'rule', opacity: 0.3, strokeWidth: 2 }, encoding: { y: { field: 'median', type: 'quantitative' }, y2: { field: 'p95' } } },
      {
        mark: { type: 'line', point: { filled: true, size: 50 } },
        encoding: { y: { field: 'median', type: 'quantitative', scale: { type: 'log', padding: 12 }, axis: AXIS_US } },
      },
    ],
  };
}

function barSpec(title: string, points: Array<{ label: string; median: number; strategy: string }>): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    width: 520,
    height: { step: 34 },
    background: 'white',
    data: { values: points },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, axis: { title: null, labelLimit: 320 } },
      x: { field: 'median', type: 'quantitative', axis: { title: 'round trip, µs (median)', grid: true } },
    },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' } },
      { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'strategy' } } },
    ],
  };
}

/** Thrown when vega or vega-lite cannot be loaded (they are development dependencies of the package). */
export class ChartsUnavailableError extends Error {
  override name = 'ChartsUnavailableError';
}

// Loaded on first use: the rest of the benchmark (and the CLI) works without them.
let renderer: Promise<{ vega: typeof import('vega'); vegaLite: typeof import('vega-lite') }> | undefined;
function loadRenderer(): NonNullable<typeof renderer> {
  renderer ??= Promise.all([import('vega'), import('vega-lite')]).then(
    ([vega, vegaLite]) => ({ vega, vegaLite }),
    (err: unknown) => {
      renderer = undefined;
      throw new ChartsUnavailableError(`charts need the vega and vega-lite packages (${err instanceof Error ? err.message : String(err)})`);
    },
  );
  return renderer;
}

async function render(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = await loadRenderer();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const measured = (r: BenchRow): r is BenchRow & { median_us: number; p95_us: number } => r.median_us !== null && r.p95_us !== null;

function fdSeries(r: BenchRow): string {
  if (r.launcher !== 'native') return r.launcher;
  return `native (${r.params.strategy === 'auto' ? `auto: ${String(r.params.used ?? '?')}` : String(r.params.strategy)})`;
}

/** The charts a report has figures for (a scenario that did not run gives no chart). */
export async function renderCharts(report: BenchReport): Promise<Chart[]> {
  const charts: Chart[] = [];
  const mem = report.rows.filter((r) => r.scenario === 'memory' && measured(r));
  if (mem.length) {
    const points = mem.map((r) => ({
      x: Number(r.params.rss_mib),
      median: r.median_us!,
      p95: r.p95_us!,
      series: r.params.env !== undefined ? `${r.launcher} (env: ${String(r.params.env)})` : r.launcher,
      kind: kindOf(r.launcher),
    }));
    const title = 'Round trip vs parent resident memory, per launcher';
    charts.push({ file: 'bench-memory.svg', title, svg: await render(lineSpec(title, 'parent resident memory, MiB (log scale)', points)) });
  }
  const fds = report.rows.filter((r) => r.scenario === 'fds' && measured(r));
  if (fds.length) {
    const points = fds.map((r) => ({ x: Number(r.params.open_fds), median: r.median_us!, p95: r.p95_us!, series: fdSeries(r), kind: kindOf(r.launcher) }));
    const title = 'Round trip vs open non-CLOEXEC fds in the parent, per close strategy';
    charts.push({ file: 'bench-fds.svg', title, svg: await render(lineSpec(title, 'open fds in the parent (log scale)', points)) });
  }
  const pers = report.rows.filter((r) => r.scenario === 'personalities' && measured(r));
  if (pers.length) {
    const levels = [...new Set(pers.map((r) => r.params.open_fds))];
    const fdsOf = (r: BenchRow): string => (levels.length > 1 ? `, ${String(r.params.open_fds)} fds` : '');
    const points = pers.map((r) => ({
      label: r.launcher === 'floor' ? `floor (C, host)${fdsOf(r)}` : `${r.launcher} @ ${String(r.params.kernel)}${fdsOf(r)}`,
      median: r.median_us!,
      strategy: r.params.used ? `closed by ${String(r.params.used)}` : '',
    }));
    const title = `Sealed launcher under kernel personalities, ${levels.map(String).join(' and ')} open fds`;
    charts.push({ file: 'bench-personalities.svg', title, svg: await render(barSpec(title, points)) });
  }
  return charts;
}

/**
 * The terminal view: one table per kernel personality (rows = launchers, columns = bait
 * kinds, extra fds, soft limit, signals, launch time), a verdict line per launcher, and a legend.
 */
import { getBorderCharacters, table, type SpanningCellConfig, type TableUserConfig } from 'table';
import type { AuditResult } from '../audit/types.ts';
import {
  baitCell,
  baitHeader,
  durationCell,
  extraCell,
  FD_SETSIZE,
  oneLine,
  signalsCell,
  softCell,
  SYMBOLS,
  truncate,
  verdict,
  type Cell,
} from './cells.ts';
import { painter, resolveColor, type MaybeTty, type Painter } from './color.ts';
import { groupByColumn, severalHosts } from './columns.ts';
import { baitKindsPresent, launcherGroup } from './order.ts';
import { overviewRows, type Overview } from './overview.ts';
import type { ColorOption, TestCounts } from './types.ts';

export interface TerminalOptions extends ColorOption {
  /** Stream the text is meant for, to decide colours when `color` is undefined (default stdout). */
  stream?: MaybeTty;
  env?: NodeJS.ProcessEnv;
  /** Test counts for the closing line, when the run had assertions. */
  tests?: TestCounts;
  /** Leave out the legend (e.g. when printing several reports one after another). */
  legend?: boolean;
}

/** The whole terminal report: tables, verdicts, legend, test counts. Ends with a newline. */
export function renderTerminal(results: readonly AuditResult[], options: TerminalOptions = {}): string {
  const p = painter(resolveColor(options.color, options.stream, options.env));
  const layout = tableLayout(results);
  const out: string[] = [];
  if (results.length === 0) out.push('No results.\n');
  const hosts = severalHosts(results);
  for (const { column, results: rows } of groupByColumn(results)) {
    const title = hosts && column.host !== null ? `host: ${oneLine(column.host)}, kernel: ${oneLine(column.kernel)}` : `kernel: ${oneLine(column.kernel)}`;
    out.push(`${p.bold(title)}\n`);
    out.push(renderKernelTable(rows, layout, p));
    out.push(renderVerdicts(rows, p));
    out.push('\n');
  }
  const overview = overviewRows(results);
  if (overview.kernels.length > 1) {
    out.push(`${p.bold(hosts ? 'all hosts and kernels' : 'all kernels')}\n`);
    out.push(renderOverview(overview, p));
    out.push('\n');
  }
  if (options.legend !== false && results.length > 0) out.push(renderLegend(layout.kinds, p));
  if (options.tests) out.push(`${formatTestCounts(options.tests, p)}\n`);
  return out.join('');
}

/** Columns shared by every kernel's table, so tables of one run line up. */
export interface TableLayout {
  kinds: string[];
  /** Content width of each column: launcher, one per kind, extra, soft, signals. */
  widths: number[];
}

const HEADERS_AFTER = ['extra', 'soft', 'signals', 'ms'];
/** Narrowest room for an error/skip reason; the extra column widens to give it. */
const REASON_MIN = 30;

const textWidth = (s: string): number => [...s].length;

function rowTexts(r: AuditResult, kinds: readonly string[]): Cell[] | null {
  if (r.status === 'error' || r.status === 'skipped') return null;
  return [
    ...kinds.map((k) => baitCell(r.baits.filter((b) => b.kind === k))),
    extraCell(r),
    softCell(r),
    signalsCell(r),
    durationCell(r),
  ];
}

export function tableLayout(results: readonly AuditResult[]): TableLayout {
  const kinds = baitKindsPresent(results);
  const widths = ['launcher', ...kinds.map(baitHeader), ...HEADERS_AFTER].map(textWidth);
  for (const r of results) {
    widths[0] = Math.max(widths[0] ?? 0, textWidth(oneLine(r.launcher)));
    // Errors have a duration too (a timeout's is the point).
    widths[kinds.length + 4] = Math.max(widths[kinds.length + 4] ?? 0, textWidth(durationCell(r).text));
    (rowTexts(r, kinds) ?? []).forEach((c, i) => {
      widths[i + 1] = Math.max(widths[i + 1] ?? 0, textWidth(c.text));
    });
  }
  const nb = kinds.length;
  if (results.some((r) => r.status === 'error' || r.status === 'skipped')) {
    const span = spanWidth(widths, nb);
    if (span < REASON_MIN) widths[nb + 1] = (widths[nb + 1] ?? 0) + REASON_MIN - span;
  }
  return { kinds, widths };
}

/**
 * Content width of a cell spanning the bait and extra columns: their widths, the paddings
 * between them, and the one rule drawn inside the span (between the baits and extra).
 */
function spanWidth(widths: readonly number[], nb: number): number {
  if (nb === 0) return widths[1] ?? 0;
  let w = 0;
  for (let c = 1; c <= nb + 1; c++) w += widths[c] ?? 0;
  // Bait columns pad 1 on the left only, the last bait and extra pad both sides, and the
  // span keeps one pad on each side for itself.
  const pads = nb - 1 + 2 + 2;
  return w + pads + 1 - 2;
}

/** The table alone, for one kernel's results (already in display order). */
export function renderKernelTable(results: readonly AuditResult[], layout: TableLayout, p: Painter): string {
  const { kinds, widths } = layout;
  const nb = kinds.length;
  const header = ['launcher', ...kinds.map(baitHeader), ...HEADERS_AFTER].map((h) => p.bold(h));
  const rows: string[][] = [header];
  const spanningCells: SpanningCellConfig[] = [];
  const paint = (c: Cell): string => p.tone(c.tone, c.text);
  const reasonMax = spanWidth(widths, nb);
  results.forEach((r, i) => {
    const launcher = oneLine(r.launcher);
    const cells = rowTexts(r, kinds);
    if (!cells) {
      // No probe report: the reason spans the bait and extra columns.
      const reason = truncate(`${r.status}: ${oneLine(r.error ?? 'no reason given')}`, reasonMax);
      rows.push([launcher, p.tone(verdict(r).tone, reason), ...Array<string>(nb).fill(''), '-', '-', paint(durationCell(r))]);
      if (nb > 0) spanningCells.push({ row: i + 1, col: 1, colSpan: nb + 1, alignment: 'left' });
      return;
    }
    rows.push([launcher, ...cells.map(paint)]);
  });
  // Bait columns read as one strip: no rule between them and no right padding inside it.
  const columns: Record<number, { width: number; paddingRight?: number; alignment?: 'right' }> = {};
  widths.forEach((width, c) => {
    columns[c] = c >= 1 && c < nb ? { width, paddingRight: 0 } : c === nb + 4 ? { width, alignment: 'right' } : { width };
  });
  const rules = new Set([0, 1, nb + 1, nb + 2, nb + 3, nb + 4, nb + 5]);
  const groups = results.map((r) => launcherGroup(r.launcher));
  const config: TableUserConfig = {
    border: getBorderCharacters('norc'),
    columnDefault: { alignment: 'left', paddingLeft: 1, paddingRight: 1 },
    columns,
    drawVerticalLine: (i) => rules.has(i),
    // Rules around the header and between blocks of launchers (baseline, node, native, …).
    drawHorizontalLine: (i, size) => i <= 1 || i === size || groups[i - 2] !== groups[i - 1],
    ...(spanningCells.length ? { spanningCells } : {}),
  };
  return table(rows, config);
}

/** The launcher × kernel table printed after the per-kernel tables of a multi-kernel run. */
export function renderOverview(overview: Overview, p: Painter): string {
  const header = ['launcher', ...overview.kernels.map(oneLine)].map((h) => p.bold(h));
  const rows = overview.rows.map((r) => [
    oneLine(r.launcher),
    ...r.cells.map((v) => (v ? p.tone(v.tone, v.word) : p.tone('muted', SYMBOLS.untested))),
  ]);
  const groups = overview.rows.map((r) => launcherGroup(r.launcher));
  return table([header, ...rows], {
    border: getBorderCharacters('norc'),
    columnDefault: { alignment: 'left', paddingLeft: 1, paddingRight: 1 },
    drawVerticalLine: (i, size) => i <= 1 || i === size,
    drawHorizontalLine: (i, size) => i <= 1 || i === size || groups[i - 2] !== groups[i - 1],
  });
}

/** One verdict line per result, launcher ids padded to a common width. */
export function renderVerdicts(results: readonly AuditResult[], p: Painter): string {
  const width = Math.max(0, ...results.map((r) => [...oneLine(r.launcher)].length));
  return results
    .map((r) => {
      const v = verdict(r);
      const word = p.tone(v.tone, v.word.padEnd(7));
      return `  ${oneLine(r.launcher).padEnd(width)}  ${word}  ${v.detail}\n`;
    })
    .join('');
}

export function renderLegend(kinds: readonly string[], p: Painter): string {
  const s = SYMBOLS;
  const items = [
    [
      `${p.tone('good', s.sealed)} sealed (did not reach the child)`,
      `${p.tone('bad', `${s.leaked} N`)} leaked, found as child fd N`,
      `${p.tone('good', `${s.arrived} N`)} passed on purpose, arrived as child fd N`,
    ],
    [
      `${p.tone('warn', s.missing)} passed on purpose, did not arrive`,
      `${p.tone('warn', s.skipped)} not opened here (refused by the kernel or sandbox)`,
      `${p.tone('muted', s.untested)} not tested`,
      `- no probe report`,
    ],
    [
      `extra: fds the launcher itself left open`,
      `soft: the child's soft RLIMIT_NOFILE (${s.leaked} above ${FD_SETSIZE})`,
      `signals: b: blocked, i: ignored in the child`,
      `ms: launch to child reaped`,
    ],
  ];
  const abbreviated = kinds.filter((k) => baitHeader(k) !== k).map((k) => `${baitHeader(k)}=${k}`);
  if (abbreviated.length) items.push(abbreviated);
  return items.map((line, i) => `${i === 0 ? 'legend: ' : '        '}${line.join('   ')}\n`).join('');
}

export function formatTestCounts(t: TestCounts, p?: Painter): string {
  const failed = `${t.failed} failed`;
  const text = `tests: ${t.passed} passed, ${p && t.failed ? p.tone('bad', failed) : failed}`;
  return t.skipped ? `${text}, ${t.skipped} skipped` : text;
}

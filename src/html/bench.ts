/** The benchmark part of the HTML report: targets, the charts inlined, and every row. */
import type { BenchReport, BenchRow } from '../bench/types.ts';
import { paramsCell } from '../bench/table.ts';
import { escapeHtml } from './escape.ts';

export interface InlineChart {
  file: string;
  svg: string;
}

const us = (v: number | null): string => (v === null ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} ms` : `${v.toFixed(0)} µs`);
const x = (v: number | null): string => (v === null ? '-' : `${v < 10 ? v.toFixed(2) : v.toFixed(1)}×`);

function rowHtml(r: BenchRow): string {
  const failed = r.n === 0 && r.error;
  return (
    `<tr data-scenario="${escapeHtml(r.scenario)}"><td>${escapeHtml(r.scenario)}</td><td>${escapeHtml(r.launcher)}</td>` +
    `<td>${escapeHtml(paramsCell(r))}</td><td class="num">${r.n}</td>` +
    (failed
      ? `<td class="cell warn" colspan="4">${escapeHtml(r.error ?? '')}</td>`
      : `<td class="num">${us(r.median_us)}</td><td class="num">${us(r.p95_us)}</td>` +
        `<td class="num">${x(r.ratios.floor)}</td><td class="num">${x(r.ratios['node:spawnSync'])}</td>`) +
    '</tr>'
  );
}

export function renderBench(report: BenchReport, charts: readonly InlineChart[]): string {
  const targets = report.targets.length
    ? '<ul class="targets">' +
      report.targets
        .map((t) => {
          const tone = t.met === null ? 'warn' : t.met ? 'good' : 'bad';
          const word = t.met === null ? 'no figure' : t.met ? 'met' : 'missed';
          return `<li class="target ${tone}" data-target="${escapeHtml(t.id)}"><span class="badge ${tone}">${word}</span> ${escapeHtml(t.claim)}: <b>${t.value ?? '-'}</b></li>`;
        })
        .join('') +
      '</ul>'
    : '';
  const figures = charts
    .map((c) => `<figure class="chart" data-chart="${escapeHtml(c.file)}">${c.svg}<figcaption>${escapeHtml(c.file)}</figcaption></figure>`)
    .join('\n');
  const table =
    '<table class="bench"><thead><tr><th>scenario</th><th>launcher</th><th>params</th><th>n</th><th>median</th><th>p95</th>' +
    '<th>× floor</th><th>× spawnSync</th></tr></thead><tbody>' +
    report.rows.map(rowHtml).join('\n') +
    '</tbody></table>';
  const meta = `<p class="meta">${escapeHtml(report.command)} · ${escapeHtml(report.startedAt)} · ${(report.durationMs / 1000).toFixed(1)} s` +
    `${report.quick ? ' · <b>quick run (smoke sizes, not figures to quote)</b>' : ''}</p>`;
  return `${meta}${targets}<div class="charts">${figures}</div>${table}`;
}

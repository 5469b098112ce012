/** The benchmark as terminal tables: one per scenario, then the targets. */
import pc from 'picocolors';
import { table } from 'table';
import type { BenchReport, BenchRow, BenchTarget } from './types.ts';

const us = (v: number | null): string => (v === null ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} ms` : `${v.toFixed(0)} µs`);
const x = (v: number | null): string => (v === null ? '-' : `${v < 10 ? v.toFixed(2) : v.toFixed(1)}×`);

/** The params that tell rows of one scenario apart, as one short cell. */
export function paramsCell(row: BenchRow): string {
  const p = row.params;
  const parts: string[] = [];
  if (p.memory_mib !== undefined) parts.push(`${p.memory_mib} MiB (rss ${p.rss_mib})`);
  if (p.open_fds !== undefined) parts.push(`${p.open_fds} fds`);
  if (p.kernel !== undefined) parts.push(String(p.kernel));
  if (p.strategy !== undefined) parts.push(p.used && p.used !== p.strategy ? `${p.strategy}→${p.used}` : String(p.strategy));
  else if (p.used !== undefined) parts.push(`by ${p.used}`);
  if (p.env !== undefined) parts.push(`env: ${p.env}`);
  if (p.phase !== undefined) parts.push(String(p.phase));
  if (p.level !== undefined) parts.push(String(p.level));
  if (p.execs !== undefined) parts.push(`${p.execs} execs`);
  if (p.vs_untraced !== undefined && p.vs_untraced !== null) parts.push(`${p.vs_untraced}× untraced`);
  if (p.max_rss_kib !== undefined && p.max_rss_kib !== null) parts.push(`max RSS ${p.max_rss_kib} KiB`, `peak ${p.peak_tasks} tasks`);
  if (p.entry !== undefined) parts.push(`cli from ${p.entry}`);
  if (p.phase === 'load') {
    parts.push(`${p.threads}×${p.launches_per_thread}`, `${p.launches_per_s}/s`, `extra-fd children ${p.extra_fd_children}`,
      `zombies ${p.zombies}`, `fd Δ ${p.parent_fd_delta}`);
  }
  return parts.join(', ');
}

function targetLine(t: BenchTarget): string {
  const mark = t.met === null ? pc.yellow('?') : t.met ? pc.green('met') : pc.red('MISSED');
  const value = t.value === null ? 'no figure' : String(t.value);
  return `${mark}  ${t.claim}: ${value}`;
}

export function renderBenchTables(report: BenchReport): string {
  const out: string[] = [];
  for (const scenario of report.scenarios) {
    const rows = report.rows.filter((r) => r.scenario === scenario);
    if (rows.length === 0) continue;
    const data = [
      ['launcher', 'params', 'n', 'median', 'p95', '× floor', '× spawnSync'].map((h) => pc.bold(h)),
      ...rows.map((r) => [
        r.launcher,
        paramsCell(r),
        String(r.n),
        r.error && r.n === 0 ? pc.yellow(r.error.slice(0, 60)) : us(r.median_us),
        us(r.p95_us),
        x(r.ratios.floor),
        x(r.ratios['node:spawnSync']),
      ]),
    ];
    out.push(`${pc.bold(scenario)}\n${table(data, { columns: { 1: { width: 44, wrapWord: true }, 3: { width: 24, wrapWord: true } } })}`);
  }
  if (report.targets.length) out.push(`${pc.bold('targets')}\n${report.targets.map(targetLine).join('\n')}\n`);
  return out.join('\n');
}

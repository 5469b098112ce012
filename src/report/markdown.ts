/** summary.md: the matrix as GitHub-flavoured Markdown, verdicts and test counts. */
import { appendFileSync } from 'node:fs';
import type { AuditReport, AuditResult, HostFacts, MergeInfo } from '../audit/types.ts';
import {
  baitCell,
  baitHeader,
  extraCell,
  FD_SETSIZE,
  formatDuration,
  oneLine,
  signalsCell,
  softCell,
  SYMBOLS,
  truncate,
  verdict,
} from './cells.ts';
import { groupByColumn, resultAnchors, severalHosts } from './columns.ts';
import { junitTestName } from './junit.ts';
import { describeMerge } from './merge.ts';
import { baitKindsPresent, sortResults } from './order.ts';
import { pivot } from './pivot.ts';
import type { TestCounts, TestRecord } from './types.ts';

/** Text safe inside a GFM table cell: one line, no pipes, no HTML, no stray emphasis. */
export function escapeMarkdownCell(text: string): string {
  return oneLine(text).replace(/[\\`*_[\]<>|&]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`,
  );
}

/** A launcher id or other name shown as code: backticks cannot break out of a longer fence. */
function code(text: string, inTable = false): string {
  const t = oneLine(text);
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') ? ' ' : '';
  // Inside a table a pipe ends the cell even in a code span; GFM lets it be escaped there.
  return `${fence}${pad}${inTable ? t.replace(/\|/g, '\\|') : t}${pad}${fence}`;
}

/** Failed tests listed in the summary; the rest are counted (junit.xml has them all). */
const FAILURES_SHOWN = 50;

/** summary.md; with the test records, failed tests are listed under the counts. */
export function renderSummary(report: AuditReport, records: readonly TestRecord[] = []): string {
  const out: string[] = ['# fdaudit report', ''];
  out.push(...hostLines(report), '');
  out.push(formatCounts(report.tests), '');
  if (report.results.length > 0) out.push(...pivotTable(report.results), '');
  if (report.merge) out.push(...mergeSection(report.merge), '');
  out.push(...failures(records));
  const kinds = baitKindsPresent(report.results);
  const anchors = resultAnchors(sortResults(report.results));
  const withHost = severalHosts(report.results);
  for (const { column, results } of groupByColumn(report.results)) {
    const title = withHost && column.host !== null ? `Host ${code(column.host)}, kernel ${code(column.kernel)}` : `Kernel ${code(column.kernel)}`;
    out.push(`## ${anchorTag(column.anchor)}${title}`, '');
    out.push(...matrix(results, kinds), '');
    for (const r of results) {
      const v = verdict(r);
      out.push(`- ${anchorTag(anchors.get(r) ?? '')}${code(r.launcher)} **${v.word}**: ${escapeMarkdownCell(v.detail)}`);
    }
    out.push('');
  }
  if (report.results.length === 0) out.push('No results.', '');
  else out.push(...legend(kinds), '');
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

/** An empty HTML anchor the pivot links to (GitHub keeps id attributes, prefixed, and resolves the link). */
const anchorTag = (id: string): string => (id ? `<a id="${id}"></a>` : '');

function hostText(h: HostFacts): string {
  return `Linux ${escapeMarkdownCell(h.kernel)}, Node ${escapeMarkdownCell(h.node)}, ${escapeMarkdownCell(h.libc)}`;
}

function hostLines(report: AuditReport): string[] {
  const hosts = report.hosts ?? [];
  if (hosts.length > 1) return ['Hosts:', '', ...hosts.map((h) => `- ${code(h.name ?? '?')}: ${hostText(h)}`)];
  const h = hosts[0] ?? report.host;
  return [`Host: ${h.name !== undefined ? `${code(h.name)}, ` : ''}${hostText(h)}`];
}

/** Launchers × (host, kernel): the verdict in each cell, linked to the result's line further down. */
function pivotTable(results: readonly AuditResult[]): string[] {
  const p = pivot(results);
  const withHost = p.hosts.length > 1;
  const header = p.columns.map((c) => (withHost && c.host !== null ? `${code(c.host, true)} · ${code(c.kernel, true)}` : code(c.kernel, true)));
  const lines = ['## Verdicts', '', row(['launcher', ...header]), row(['---', ...p.columns.map(() => ':-:')])];
  for (const r of p.rows) {
    lines.push(row([code(r.launcher, true), ...r.cells.map((c) => (c ? `[**${c.verdict.word}**](#${c.anchor})` : SYMBOLS.untested))]));
  }
  return lines;
}

/** What a merge read, and every conflict, duplicate and note: nothing it left out goes unsaid. */
function mergeSection(merge: MergeInfo): string[] {
  const n = merge.inputs.length;
  const lines = [`## Merged from ${n} report${n === 1 ? '' : 's'}`, ''];
  for (const i of merge.inputs) {
    const t = i.tests;
    lines.push(
      `- ${code(i.file)}: ${i.hosts.map((h) => code(h)).join(', ')}; ${i.results} results; tests ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`,
    );
  }
  const told = describeMerge(merge);
  if (told.length) lines.push('', ...told.map((l) => `- ${escapeMarkdownCell(l)}`));
  else lines.push('', 'No conflicts, no duplicates.');
  return lines;
}

function matrix(results: readonly AuditResult[], kinds: readonly string[]): string[] {
  const header = ['launcher', 'verdict', ...kinds.map(baitHeader), 'extra', 'soft', 'signals', 'ms'];
  const lines = [row(header.map(escapeMarkdownCell)), row(header.map((_, i) => (i < 2 ? '---' : i === header.length - 1 ? '--:' : ':-:')))];
  for (const r of results) {
    const v = verdict(r);
    if (r.status === 'error' || r.status === 'skipped') {
      // GFM has no colspan: the reason goes in the verdict cell, the rest stays empty.
      const why = `**${v.word}** (${escapeMarkdownCell(r.error ?? 'no reason given')})`;
      lines.push(row([code(r.launcher, true), why, ...kinds.map(() => ''), '', '-', '-', formatDuration(r.durationMs)]));
      continue;
    }
    const cells = [
      ...kinds.map((k) => baitCell(r.baits.filter((b) => b.kind === k))),
      extraCell(r),
      softCell(r),
      signalsCell(r),
    ].map((c) => escapeMarkdownCell(c.text));
    lines.push(row([code(r.launcher, true), `**${v.word}**`, ...cells, formatDuration(r.durationMs)]));
  }
  return lines;
}

function failures(records: readonly TestRecord[]): string[] {
  const failed = records.filter((r) => r.status === 'failed');
  if (failed.length === 0) return [];
  const lines = ['## Failed tests', ''];
  for (const r of failed.slice(0, FAILURES_SHOWN)) {
    const message = r.message ? `: ${escapeMarkdownCell(truncate(oneLine(r.message), 300))}` : '';
    lines.push(`- ${escapeMarkdownCell(junitTestName(r))}${message}`);
  }
  if (failed.length > FAILURES_SHOWN) lines.push(`- … and ${failed.length - FAILURES_SHOWN} more (see junit.xml)`);
  lines.push('');
  return lines;
}

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

function legend(kinds: readonly string[]): string[] {
  const s = SYMBOLS;
  const abbreviated = kinds.filter((k) => baitHeader(k) !== k).map((k) => `${escapeMarkdownCell(baitHeader(k))} = ${k}`);
  const lines = [
    '**Legend**',
    '',
    `- ${s.sealed} sealed (did not reach the child); ${s.leaked} N leaked, found as child fd N`,
    `- ${s.arrived} N passed on purpose, arrived as child fd N; ${s.missing} passed on purpose, did not arrive`,
    `- ${s.skipped} not opened here (the kernel or sandbox refused the kind; the verdict line says why); ${s.untested} not tested; - no probe report`,
    `- extra: fds the launcher itself left open; soft: the child's soft RLIMIT\\_NOFILE (${s.leaked} above ${FD_SETSIZE}); ` +
      'signals: b: blocked, i: ignored in the child; ms: launch to child reaped',
  ];
  if (abbreviated.length) lines.push(`- columns: ${abbreviated.join(', ')}`);
  return lines;
}

function formatCounts(t: TestCounts): string {
  return `Tests: **${t.passed} passed**, **${t.failed} failed**, ${t.skipped} skipped`;
}

/**
 * Appends the summary to the file named by GITHUB_STEP_SUMMARY (the job summary on GitHub
 * Actions). Returns the path written, or null when the variable is not set.
 */
export function writeStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return null;
  appendFileSync(path, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return path;
}

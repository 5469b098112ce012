/**
 * The audit matrix as HTML: one row per result (kernel, launcher), one column per bait kind, then extra
 * fds, soft limit, signals, close strategy, launch time and the verdict. Cells are the same as the terminal table's
 * (src/report/cells.ts), coloured by tone; rows and bait columns carry data attributes for the filters.
 */
import type { AuditReport, AuditResult } from '../audit/types.ts';
import { baitCell, baitHeader, extraCell, formatDuration, signalsCell, softCell, verdict } from '../report/cells.ts';
import type { Cell } from '../report/cells.ts';
import { hostsOf, resultAnchors, resultHost } from '../report/columns.ts';
import { baitKindsPresent, orderKernels, orderLaunchers, sortResults } from '../report/order.ts';
import { escapeHtml } from './escape.ts';

export interface MatrixFacets {
  /** Host names of a merged report's results; empty for a single run (no host filter then). */
  hosts: string[];
  launchers: string[];
  kernels: string[];
  baits: string[];
  statuses: string[];
}

export function matrixFacets(report: AuditReport): MatrixFacets {
  const statuses = ['sealed', 'leak', 'error', 'skipped'].filter((s) => report.results.some((r) => r.status === s));
  const hosts = hostsOf(report.results);
  return {
    hosts: hosts.length > 1 ? hosts : [],
    launchers: orderLaunchers(report.results.map((r) => r.launcher)),
    kernels: orderKernels(report.results.map((r) => r.kernel)),
    baits: baitKindsPresent(report.results),
    statuses,
  };
}

function td(cell: Cell, attrs = '', title = ''): string {
  const t = title ? ` title="${escapeHtml(title)}"` : '';
  return `<td class="cell ${cell.tone}"${attrs}${t}>${escapeHtml(cell.text)}</td>`;
}

function baitTitle(result: AuditResult, kind: string): string {
  return result.baits
    .filter((b) => b.kind === kind)
    .map((b) =>
      b.skipped
        ? `${kind}: skipped, not opened here: ${b.reason ?? 'no reason given'}`
        : `${kind} fd ${b.fd}${b.target ? ` (${b.target})` : ''}: expected ${b.expected}, ${b.crossed ? `crossed as fd ${b.childFd}` : 'did not cross'}`,
    )
    .join('\n');
}

function row(result: AuditResult, baits: readonly string[], id: string, withHost: boolean): string {
  const v = verdict(result);
  const failed = result.status === 'error' || result.status === 'skipped';
  const cells = failed
    ? `<td class="cell muted reason" colspan="${baits.length + 4}">${escapeHtml(result.error ?? 'no reason given')}</td>`
    : [
        ...baits.map((k) => td(baitCell(result.baits.filter((b) => b.kind === k)), ` data-bait="${escapeHtml(k)}"`, baitTitle(result, k))),
        td(extraCell(result), ' data-col="extra"', result.extraFds.map((e) => `fd ${e.fd}: ${e.target} (${e.type})`).join('\n')),
        td(softCell(result), ' data-col="soft"'),
        td(signalsCell(result), ' data-col="signals"'),
        `<td class="cell plain" data-col="strategy">${escapeHtml(result.closeStrategy ?? '-')}</td>`,
      ].join('');
  // Every result has a launch time: an error's (a timeout's) says as much as a verdict's.
  const duration = `<td class="cell plain num" data-col="duration">${escapeHtml(formatDuration(result.durationMs))}</td>`;
  return (
    `<tr id="${escapeHtml(id)}" data-launcher="${escapeHtml(result.launcher)}" data-kernel="${escapeHtml(result.kernel)}"` +
    ` data-host="${escapeHtml(resultHost(result) ?? '')}" data-status="${result.status}">` +
    `<th scope="row" class="launcher">${escapeHtml(result.launcher)}${result.scenario ? `<div class="scenario">${escapeHtml(result.scenario)}</div>` : ''}</th>` +
    (withHost ? `<td class="host">${escapeHtml(resultHost(result) ?? '')}</td>` : '') +
    `<td class="kernel">${escapeHtml(result.kernel)}</td>` +
    `<td class="cell verdict ${v.tone}" data-col="status" title="${escapeHtml(v.detail)}">${v.word}</td>` +
    cells +
    duration +
    '</tr>'
  );
}

export function renderMatrix(report: AuditReport): string {
  const { baits, hosts } = matrixFacets(report);
  const withHost = hosts.length > 0;
  const head =
    `<tr><th scope="col">launcher</th>${withHost ? '<th scope="col">host</th>' : ''}<th scope="col">kernel</th><th scope="col">verdict</th>` +
    baits.map((k) => `<th scope="col" data-bait="${escapeHtml(k)}" title="${escapeHtml(k)}">${escapeHtml(baitHeader(k))}</th>`).join('') +
    '<th scope="col">extra</th><th scope="col">soft</th><th scope="col">signals</th><th scope="col">closed by</th><th scope="col" title="launch start to child reaped">ms</th></tr>';
  const sorted = sortResults(report.results);
  // The same ids the pivot links to.
  const anchors = resultAnchors(sorted);
  const body = sorted.map((r) => row(r, baits, anchors.get(r) ?? '', withHost)).join('\n');
  return `<table id="matrix" class="matrix"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** Checkbox groups, one per facet, all checked. */
export function renderFilters(facets: MatrixFacets): string {
  const group = (name: string, label: string, values: readonly string[]): string =>
    `<fieldset class="filter" data-facet="${name}"><legend>${label} ` +
    `<button type="button" data-all="${name}">all</button><button type="button" data-none="${name}">none</button></legend>` +
    values
      .map((v) => `<label><input type="checkbox" name="${name}" value="${escapeHtml(v)}" checked> ${escapeHtml(v)}</label>`)
      .join('') +
    '</fieldset>';
  return (
    (facets.hosts.length ? group('host', 'Host', facets.hosts) : '') +
    group('launcher', 'Launcher', facets.launchers) +
    group('bait', 'Bait', facets.baits) +
    group('kernel', 'Kernel', facets.kernels) +
    group('status', 'Verdict', facets.statuses)
  );
}

/**
 * The pivot at the top of the page: launchers as rows, (host, kernel) as columns, each verdict a link to
 * its row in the audit matrix below. With several hosts the header has two rows: hosts, then kernels.
 */
import type { AuditReport } from '../audit/types.ts';
import { SYMBOLS } from '../report/cells.ts';
import { pivot } from '../report/pivot.ts';
import { escapeHtml } from './escape.ts';

export function renderPivot(report: AuditReport): string {
  const p = pivot(report.results);
  if (p.rows.length === 0) return '<p class="note">No results.</p>';
  const withHost = p.hosts.length > 1;
  let head = '';
  if (withHost) {
    // Columns are grouped by host already (columnsOf), so each host is one run of adjacent columns.
    const spans: { host: string; n: number }[] = [];
    for (const c of p.columns) {
      const last = spans[spans.length - 1];
      if (last && last.host === c.host) last.n++;
      else spans.push({ host: c.host ?? '', n: 1 });
    }
    head +=
      '<tr><th scope="col" rowspan="2">launcher</th>' +
      spans.map((s) => `<th scope="colgroup" colspan="${s.n}" class="host" data-host="${escapeHtml(s.host)}">${escapeHtml(s.host)}</th>`).join('') +
      '</tr><tr>' +
      p.columns.map((c) => `<th scope="col" class="kernel">${escapeHtml(c.kernel)}</th>`).join('') +
      '</tr>';
  } else {
    head = `<tr><th scope="col">launcher</th>${p.columns.map((c) => `<th scope="col" class="kernel">${escapeHtml(c.kernel)}</th>`).join('')}</tr>`;
  }
  const body = p.rows
    .map((r) => {
      const cells = r.cells
        .map((c, i) => {
          const col = p.columns[i];
          const attrs = ` data-host="${escapeHtml(col?.host ?? '')}" data-kernel="${escapeHtml(col?.kernel ?? '')}"`;
          if (!c) return `<td class="cell muted"${attrs} title="not run">${SYMBOLS.untested}</td>`;
          const more = c.results > 1 ? ` (worst of ${c.results})` : '';
          return (
            `<td class="cell verdict ${c.verdict.tone}"${attrs} data-status="${c.status}" title="${escapeHtml(c.verdict.detail + more)}">` +
            `<a href="#${escapeHtml(c.anchor)}">${c.verdict.word}</a></td>`
          );
        })
        .join('');
      return `<tr data-launcher="${escapeHtml(r.launcher)}"><th scope="row" class="launcher">${escapeHtml(r.launcher)}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<table id="pivot" class="pivot"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

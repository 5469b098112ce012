/**
 * The trace section of index.html (from trace.json): the command and its status, one row per program,
 * the violations, and the process tree drawn as a tree (nested lists that open and close), each exec
 * marked by what it inherited beyond 0, 1 and 2.
 */
import { TraceCollector, type TraceModel } from '../trace/collect.ts';
import type { TraceReport } from '../trace/types.ts';
import { buildTree, nodeLabel, type TreeView } from '../trace/tree.ts';
import { SYMBOLS } from '../report/cells.ts';
import {
  commandText,
  countsText,
  crossingText,
  fdText,
  parentsText,
  policyText,
  displayName,
  setViolationMessage,
  statusText,
  type TraceMeta,
} from '../report/trace-text.ts';
import { escapeHtml } from './escape.ts';

/** Tree nodes drawn at most; the rest is counted. */
const TREE_NODES = 5000;

export const TRACE_STYLE = `
ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 1.2rem; border-left: 1px dotted var(--line); }
ul.tree { border-left: none; padding-left: 0; font-family: ui-monospace, monospace; font-size: .82rem; }
ul.tree li { margin: .1rem 0; }
ul.tree summary { cursor: pointer; }
ul.tree .leaf { padding-left: 1rem; }
ul.tree .pid, ul.tree .via { color: var(--muted); }
ul.tree .fd { display: inline-block; margin-left: .3rem; padding: 0 .35rem; border-radius: 3px; }
table.programs td { white-space: normal; vertical-align: top; }
ul.violations li { font-size: .85rem; font-family: ui-monospace, monospace; }
`;

export function metaOf(report: TraceReport): TraceMeta {
  return {
    command: report.command,
    cwd: report.cwd,
    exitCode: report.exitCode,
    signal: report.signal,
    host: report.host,
    allow: report.allow ?? [],
    passed: report.passed ?? [],
    tracer: report.tracer ?? null,
  };
}

/** The reporters' model of a trace read back from trace.json. */
export function modelOf(report: TraceReport): TraceModel {
  const c = new TraceCollector();
  for (const e of report.execs) c.include(e);
  return c.model();
}

function programsTable(model: TraceModel): string {
  const rows = model.groups.map((g) => {
    const crossings = [...g.crossings.values()].sort((a, b) => a.fd - b.fd);
    const fds = crossings.length
      ? crossings
          .map((c) => {
            const tone = c.violations ? 'bad' : 'good';
            const why = !c.violations && c.allowedBy ? ` (${c.allowedBy})` : '';
            return `<span class="${tone}">${c.violations ? SYMBOLS.leaked : SYMBOLS.sealed} ${escapeHtml(crossingText(c) + why)}</span>`;
          })
          .join('<br>')
      : `<span class="good">${SYMBOLS.sealed} none</span>`;
    const execs = g.violatingExecs ? `${g.execs} <span class="bad">(${g.violatingExecs} ${SYMBOLS.leaked})</span>` : String(g.execs);
    return `<tr><th scope="row" class="launcher" title="${escapeHtml(g.program)}">${escapeHtml(displayName(g.program, g.argv0))}</th>` +
      `<td class="num">${execs}</td><td>${fds}</td><td>${escapeHtml(parentsText(g.parents, 5))}</td></tr>`;
  });
  return '<table class="programs"><thead><tr><th scope="col">program</th><th scope="col">execs</th>' +
    '<th scope="col">fds beyond 0, 1, 2 (fd target, execs)</th><th scope="col">started by</th></tr></thead>' +
    `<tbody>${rows.join('\n')}</tbody></table>`;
}

function nodeHtml(v: TreeView): string {
  const n = v.node;
  const repeat = v.repeat > 1 ? ` <strong>×${v.repeat}</strong>` : '';
  const fds = n.crossed
    .map((c) => `<span class="fd ${c.bad ? 'bad' : 'good'}" title="${escapeHtml(fdText(c))}">${c.bad ? SYMBOLS.leaked : SYMBOLS.sealed} ${c.fd}</span>`)
    .join('');
  const title = `${n.program} (pid ${n.pid}, ${n.via}${n.crossed.length ? `; fds beyond 0-2: ${n.crossed.map(fdText).join(', ')}` : ''})`;
  return `<span title="${escapeHtml(title)}">${escapeHtml(nodeLabel(n, 100))}</span>${repeat} ` +
    `<span class="pid">pid ${n.pid}</span> <span class="via">${escapeHtml(n.via)}</span>${fds}`;
}

function treeHtml(roots: readonly TreeView[]): string {
  let drawn = 0;
  let omitted = 0;
  const count = (v: TreeView): number => v.repeat + v.children.reduce((s, c) => s + count(c), 0);
  const item = (v: TreeView, depth: number): string => {
    if (drawn >= TREE_NODES) {
      omitted += count(v);
      return '';
    }
    drawn++;
    if (v.children.length === 0) return `<li><div class="leaf">${nodeHtml(v)}</div></li>`;
    // Deep levels start closed so a big tree opens on its first levels only.
    const open = depth < 4 ? ' open' : '';
    return `<li><details${open}><summary>${nodeHtml(v)}</summary><ul>${v.children.map((c) => item(c, depth + 1)).join('')}</ul></details></li>`;
  };
  const body = roots.map((r) => item(r, 0)).join('');
  const more = omitted ? `<p class="note">… ${omitted} more execs not drawn (trace.json has them all).</p>` : '';
  return `<ul class="tree" id="trace-tree">${body}</ul>${more}`;
}

export function renderTraceSection(report: TraceReport): string {
  const meta = metaOf(report);
  const model = modelOf(report);
  const ok = model.counts.violating === 0;
  const summary =
    `<p class="summary"><span class="${ok ? 'good' : 'bad'}">${escapeHtml(countsText(model))}</span>` +
    `<span class="muted">${escapeHtml(statusText(meta.exitCode, meta.signal))}</span></p>` +
    `<dl class="host"><dt>command</dt><dd>${escapeHtml(commandText(meta.command, 400))}</dd>` +
    `<dt>working directory</dt><dd>${escapeHtml(meta.cwd)}</dd><dt>policy</dt><dd>${escapeHtml(policyText(meta))}</dd></dl>`;
  const bad = model.sets.filter((s) => s.violatingExecs > 0);
  const violations = bad.length
    ? `<h3>Violations</h3><ul class="targets violations">${bad.map((s) => `<li class="bad">${escapeHtml(setViolationMessage(s))}</li>`).join('')}</ul>`
    : '';
  const omitted = model.treeOmitted ? `<p class="note">${model.treeOmitted} execs beyond the first ${model.tree.length} are in trace.json only.</p>` : '';
  return `${summary}${violations}<h3>Programs</h3><div class="scroll">${programsTable(model)}</div>` +
    `<h3>Process tree</h3><p class="note">Each exec under the program that started it (or that it replaced: via exec). ` +
    `${SYMBOLS.leaked} N: fd N inherited and not allowed; ${SYMBOLS.sealed} N: allowed. ×N: N sibling execs alike.</p>` +
    `${treeHtml(buildTree(model.tree))}${omitted}`;
}

/** The whole HTML page: styles and the filter script inline, nothing fetched from anywhere. */
import type { AuditReport } from '../audit/types.ts';
import type { BenchReport } from '../bench/types.ts';
import { renderBench } from './bench.ts';
import type { InlineChart } from './bench.ts';
import { escapeHtml } from './escape.ts';
import { matrixFacets, renderFilters, renderMatrix } from './matrix.ts';
import { renderPivot } from './pivot.ts';
import { describeMerge } from '../report/merge.ts';
import type { TraceReport } from '../trace/types.ts';
import { renderTraceSection, TRACE_STYLE } from './trace.ts';

export interface PageInput {
  audit: AuditReport | null;
  /** Why audit.json was not used (missing, unreadable, wrong schema). */
  auditProblem: string | null;
  bench: BenchReport | null;
  benchProblem: string | null;
  charts: InlineChart[];
  generatedAt: Date;
  /** A trace.json of the same directory; its section leads the page when there is one. */
  trace?: TraceReport | null;
}

const STYLE = `
:root { --good: #1a7f37; --good-bg: #dafbe1; --bad: #b42318; --bad-bg: #fee4e2; --warn: #9a6700; --warn-bg: #fff4cc;
  --muted: #6e7781; --muted-bg: #f2f4f7; --line: #d0d7de; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
body { margin: 0 auto; padding: 1.5rem 2rem 4rem; max-width: 1400px; color: #1f2328; background: #fff; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid var(--line); padding-bottom: .3rem; }
.meta, .note { color: var(--muted); font-size: .9rem; }
dl.host { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; font-size: .92rem; }
dl.host dt { color: var(--muted); } dl.host dd { margin: 0; font-family: ui-monospace, monospace; }
.summary span { display: inline-block; margin-right: .6rem; padding: .15rem .55rem; border-radius: 1rem; font-size: .88rem; }
.filters { display: flex; flex-wrap: wrap; gap: .6rem; margin: .8rem 0; }
fieldset.filter { border: 1px solid var(--line); border-radius: 6px; padding: .3rem .6rem .5rem; max-width: 100%; }
fieldset.filter legend { font-weight: 600; font-size: .85rem; }
fieldset.filter legend button { font-size: .72rem; margin-left: .3rem; padding: 0 .35rem; cursor: pointer; }
fieldset.filter label { display: inline-block; margin: .1rem .5rem .1rem 0; font-size: .82rem; white-space: nowrap; font-family: ui-monospace, monospace; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .82rem; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left; white-space: nowrap; }
thead th { background: #f6f8fa; position: sticky; top: 0; }
th.launcher { font-family: ui-monospace, monospace; font-weight: 600; } .scenario { font-weight: normal; color: var(--muted); font-size: .72rem; }
td.kernel { font-family: ui-monospace, monospace; }
td.cell { text-align: center; font-family: ui-monospace, monospace; } td.reason { text-align: left; white-space: normal; } td.cell.num { text-align: right; }
.good { color: var(--good); background: var(--good-bg); } .bad { color: var(--bad); background: var(--bad-bg); }
.warn { color: var(--warn); background: var(--warn-bg); } .muted { color: var(--muted); background: var(--muted-bg); }
td.verdict { font-weight: 700; }
table.pivot td.verdict a { color: inherit; text-decoration: none; display: block; } table.pivot td.verdict a:hover { text-decoration: underline; }
table.pivot th.host, td.host { font-family: ui-monospace, monospace; } table.pivot th.host { text-align: center; }
#matrix tr:target > * { outline: 2px solid #0969da; outline-offset: -2px; }
ul.merge { font-size: .9rem; }
[hidden] { display: none !important; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: .5rem; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .75rem; text-align: right; }
ul.targets { list-style: none; padding: 0; } ul.targets li { margin: .25rem 0; padding: .25rem .5rem; border-radius: 4px; }
.badge { display: inline-block; min-width: 5em; text-align: center; font-weight: 700; text-transform: uppercase; font-size: .72rem; }
table.bench td.num { text-align: right; font-family: ui-monospace, monospace; } table.bench { margin-top: 1rem; }
.problem { padding: .6rem .8rem; border-radius: 6px; }
`;

// Hides result rows whose launcher, kernel or verdict is unchecked, and bait columns whose kind is unchecked.
const SCRIPT = `
(function () {
  var matrix = document.getElementById('matrix');
  if (!matrix) return;
  function checked(name) {
    var out = {};
    document.querySelectorAll('input[name="' + name + '"]').forEach(function (i) { if (i.checked) out[i.value] = true; });
    return out;
  }
  function apply() {
    var l = checked('launcher'), k = checked('kernel'), s = checked('status'), b = checked('bait'), h = checked('host');
    // A single run's page has no host filter: every row passes it.
    var anyHost = !!document.querySelector('input[name="host"]');
    var shown = 0, rows = matrix.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i], d = r.dataset;
      var on = !!(l[d.launcher] && k[d.kernel] && s[d.status] && (!anyHost || h[d.host]));
      r.hidden = !on;
      if (on) shown++;
    }
    matrix.querySelectorAll('[data-bait]').forEach(function (c) { c.hidden = !b[c.dataset.bait]; });
    document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' results shown';
  }
  document.querySelectorAll('.filters input').forEach(function (i) { i.addEventListener('change', apply); });
  document.querySelectorAll('.filters button').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var name = btn.dataset.all || btn.dataset.none, on = !!btn.dataset.all;
      document.querySelectorAll('input[name="' + name + '"]').forEach(function (i) { i.checked = on; });
      apply();
    });
  });
  // A pivot link to a row the filters hide clears the filters, so the link always lands on its row.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target || !matrix.contains(target) || !target.hidden) return;
    document.querySelectorAll('.filters input').forEach(function (i) { i.checked = true; });
    apply();
    target.scrollIntoView();
  }
  window.addEventListener('hashchange', reveal);
  apply();
  reveal();
})();
`;

function hostBlock(input: PageInput): string {
  const hosts = input.audit?.hosts ?? [];
  if (hosts.length > 1) {
    const rows = hosts
      .map((h) => `<tr><th scope="row">${escapeHtml(h.name ?? '')}</th><td>${escapeHtml(h.kernel)}</td><td>${escapeHtml(h.node)}</td><td>${escapeHtml(h.libc)}</td></tr>`)
      .join('');
    return `<table class="hosts"><thead><tr><th scope="col">host</th><th scope="col">kernel</th><th scope="col">node</th><th scope="col">C library</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  const facts: Array<[string, string]> = [];
  const a = hosts[0] ?? input.audit?.host;
  if (a?.name) facts.push(['name', a.name]);
  const b = input.bench?.host;
  const t = input.trace?.host;
  if (t?.name && !a && !b) facts.push(['name', t.name]);
  const kernel = a?.kernel ?? b?.kernel ?? t?.kernel;
  if (kernel) facts.push(['kernel', kernel]);
  const node = a?.node ?? b?.node ?? t?.node;
  if (node) facts.push(['node', node]);
  const libc = a?.libc ?? b?.libc ?? t?.libc;
  if (libc) facts.push(['C library', libc]);
  if (b) {
    facts.push(['CPU', `${b.cpus} × ${b.cpuModel}`], ['memory', `${b.memTotalMiB} MiB`]);
    facts.push(['RLIMIT_NOFILE', `soft ${b.nofile.soft}, hard ${b.nofile.hard}`], ['load average at the end', b.loadavg.join(' ')]);
  }
  if (facts.length === 0) return '<p class="note">No host facts: neither audit.json nor bench.json was found.</p>';
  return `<dl class="host">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function auditBlock(input: PageInput): string {
  if (!input.audit) return `<p class="problem warn">${escapeHtml(input.auditProblem ?? 'no audit.json')}</p>`;
  const r = input.audit.results;
  const count = (s: string): number => r.filter((x) => x.status === s).length;
  const t = input.audit.tests;
  const summary =
    '<p class="summary">' +
    `<span class="good">${count('sealed')} sealed</span><span class="bad">${count('leak')} leak</span>` +
    `<span class="bad">${count('error')} error</span><span class="warn">${count('skipped')} skipped</span>` +
    `<span class="muted">tests: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped</span></p>`;
  const legend = '<p class="note">✓ sealed · ✗ crossed (child fd) · → passed on purpose and arrived · ○ passed but missing · skip: not opened here (the kernel or sandbox refused the kind) · · not tested. ' +
    'Hover a cell for the fds behind it; the verdict cell explains the row.</p>';
  return `${summary}<div class="filters">${renderFilters(matrixFacets(input.audit))}</div>` +
    `<p class="note" id="shown"></p><div class="scroll">${renderMatrix(input.audit)}</div>${legend}`;
}

function mergeBlock(input: PageInput): string {
  const merge = input.audit?.merge;
  if (!merge) return '';
  const inputs = merge.inputs
    .map((i) => `<li><code>${escapeHtml(i.file)}</code>: ${i.hosts.map(escapeHtml).join(', ')}; ${i.results} results; ` +
      `tests ${i.tests.passed} passed, ${i.tests.failed} failed, ${i.tests.skipped} skipped</li>`)
    .join('');
  const told = describeMerge(merge);
  const notices = told.length
    ? `<ul class="merge notices">${told.map((l) => `<li class="${l.startsWith('conflict') ? 'bad' : 'warn'}">${escapeHtml(l)}</li>`).join('')}</ul>`
    : '<p class="note">No conflicts, no duplicates.</p>';
  return `<section id="merge"><h2>Merged from ${merge.inputs.length} report${merge.inputs.length === 1 ? '' : 's'}</h2><ul class="merge">${inputs}</ul>${notices}</section>`;
}

function pivotBlock(input: PageInput): string {
  if (!input.audit) return '';
  return '<section id="verdicts"><h2>Verdicts</h2><p class="note">Launchers by host and kernel; a verdict links to its row in the matrix.</p>' +
    `<div class="scroll">${renderPivot(input.audit)}</div></section>`;
}

/** A trace run's directory holds no audit or benchmark: their sections are left out rather than reported missing. */
function sections(input: PageInput, bench: string): string {
  const trace = input.trace ? `<section id="trace"><h2>Trace</h2>${renderTraceSection(input.trace)}</section>\n` : '';
  const audit = input.trace && !input.audit ? '' : `<section id="audit"><h2>Audit matrix</h2>${auditBlock(input)}</section>\n`;
  const benchSection = input.trace && !input.bench ? '' : `<section id="bench"><h2>Benchmark</h2>${bench}</section>`;
  return `${trace}${audit}${benchSection}`;
}

export function renderPage(input: PageInput): string {
  const bench = input.bench
    ? renderBench(input.bench, input.charts)
    : `<p class="problem warn">${escapeHtml(input.benchProblem ?? 'no bench.json')}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>fdaudit report</title>
<style>${STYLE}${input.trace ? TRACE_STYLE : ''}</style>
</head>
<body>
<header><h1>fdaudit report</h1><p class="meta">What does a child process inherit? Generated ${escapeHtml(input.generatedAt.toISOString())}.</p></header>
${pivotBlock(input)}
<section id="host"><h2>${(input.audit?.hosts?.length ?? 0) > 1 ? 'Hosts' : 'Host'}</h2>${hostBlock(input)}</section>
${mergeBlock(input)}
${sections(input, bench)}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

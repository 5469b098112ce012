/** summary.md of a trace: the command and its status, the per-program table, violations and the process tree. */
import { SYMBOLS, truncate } from './cells.ts';
import { escapeMarkdownCell } from './markdown.ts';
import type { TraceModel } from '../trace/collect.ts';
import { buildTree, textTree } from '../trace/tree.ts';
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
} from './trace-text.ts';

const VIOLATIONS_SHOWN = 50;
const TREE_LINES = 150;

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

export function renderTraceSummary(model: TraceModel, meta: TraceMeta): string {
  const out: string[] = ['# fdaudit trace', ''];
  const h = meta.host;
  out.push(`Host: ${escapeMarkdownCell(h.name)}, Linux ${escapeMarkdownCell(h.kernel)}, Node ${escapeMarkdownCell(h.node)}, ${escapeMarkdownCell(h.libc)}`, '');
  out.push(`Command: \`${commandText(meta.command).replace(/`/g, "'")}\` → **${statusText(meta.exitCode, meta.signal)}**`, '');
  out.push(`Policy: ${escapeMarkdownCell(policyText(meta))}`, '');
  out.push(`**${escapeMarkdownCell(countsText(model))}**`, '');

  const bad = model.sets.filter((s) => s.violatingExecs > 0);
  if (bad.length) {
    out.push('## Violations', '');
    for (const s of bad.slice(0, VIOLATIONS_SHOWN)) out.push(`- ${escapeMarkdownCell(setViolationMessage(s))}`);
    if (bad.length > VIOLATIONS_SHOWN) out.push(`- … and ${bad.length - VIOLATIONS_SHOWN} more (see junit.xml)`);
    out.push('');
  }

  out.push('## Programs', '');
  out.push(row(['program', 'execs', 'fds beyond 0, 1, 2', 'started by']), row(['---', '---:', '---', '---']));
  for (const g of model.groups) {
    const crossings = [...g.crossings.values()].sort((a, b) => a.fd - b.fd);
    const fds = crossings.length
      ? crossings
          .slice(0, 8)
          .map((c) => `${c.violations ? SYMBOLS.leaked : SYMBOLS.sealed} ${escapeMarkdownCell(truncate(crossingText(c), 80))}${!c.violations && c.allowedBy ? ` (${escapeMarkdownCell(c.allowedBy)})` : ''}`)
          .join('<br>') + (crossings.length > 8 ? `<br>+${crossings.length - 8} more` : '')
      : `${SYMBOLS.sealed} none`;
    const name = `\`${displayName(g.program, g.argv0).replace(/[`|]/g, '_')}\``;
    const execs = g.violatingExecs ? `${g.execs} (${g.violatingExecs} ${SYMBOLS.leaked})` : String(g.execs);
    out.push(row([name, execs, fds, escapeMarkdownCell(parentsText(g.parents))]));
  }
  out.push('');

  out.push('## Process tree', '');
  const lines = textTree(buildTree(model.tree), {
    maxLines: TREE_LINES,
    suffix: (v) => {
      const bad = v.node.crossed.filter((c) => c.bad).map((c) => fdText(c));
      const ok = v.node.crossed.filter((c) => !c.bad).map((c) => c.fd);
      return (bad.length ? `  ${SYMBOLS.leaked} ${bad.join(', ')}` : '') + (ok.length ? `  (fd ${ok.join(', ')} allowed)` : '');
    },
  });
  if (model.treeOmitted) lines.push(`… ${model.treeOmitted} execs beyond the first ${model.tree.length} are in trace.json only`);
  out.push('```', ...lines.map((l) => l.replace(/```/g, "'''")), '```', '');
  out.push(`Legend: ${SYMBOLS.leaked} inherited and not allowed; ${SYMBOLS.sealed} inherited, allowed by the rule shown. ×N: N sibling execs alike.`, '');
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

/**
 * The terminal view of a trace: one row per program (which fds beyond 0, 1, 2 crossed into it, how
 * often, from which parents), the first violations spelled out, and the closing counts.
 */
import { getBorderCharacters, table } from 'table';
import type { TraceModel } from '../trace/collect.ts';
import { SYMBOLS, truncate } from './cells.ts';
import { painter, resolveColor, type MaybeTty } from './color.ts';
import {
  commandText,
  countsText,
  crossingText,
  parentsText,
  policyText,
  displayName,
  setViolationMessage,
  statusText,
  type TraceMeta,
} from './trace-text.ts';

export interface TraceTableOptions {
  color?: boolean;
  stream?: MaybeTty;
  env?: NodeJS.ProcessEnv;
  /** Crossing lines shown per program before "+N more". */
  crossingsPerProgram?: number;
  /** Programs shown before "+N more". */
  maxPrograms?: number;
  /** Terminal width to fit (default 120). */
  width?: number;
}

/** Violations spelled out under the table; the reports have them all. */
const VIOLATIONS_SHOWN = 10;

export function renderTraceTable(model: TraceModel, meta: TraceMeta, options: TraceTableOptions = {}): string {
  const p = painter(resolveColor(options.color, options.stream, options.env));
  const perProgram = options.crossingsPerProgram ?? 6;
  const maxPrograms = options.maxPrograms ?? 40;
  const width = Math.max(80, options.width ?? 120);
  const out: string[] = [];
  out.push(`${p.bold('trace:')} ${commandText(meta.command)} → ${statusText(meta.exitCode, meta.signal)}\n`);
  out.push(`${p.dim(`policy: ${policyText(meta)}`)}\n`);
  if (model.groups.length === 0) {
    out.push('No exec was recorded.\n');
    return out.join('');
  }
  const header = ['program', 'execs', 'fds beyond 0, 1, 2 (fd target, execs)', 'started by'].map((h) => p.bold(h));
  const rows: string[][] = [header];
  const fdWidth = Math.max(30, Math.floor(width * 0.45));
  for (const g of model.groups.slice(0, maxPrograms)) {
    const crossings = [...g.crossings.values()].sort((a, b) => a.fd - b.fd || b.count - a.count);
    const lines = crossings.slice(0, perProgram).map((c) => {
      const bad = c.violations > 0;
      const mark = bad ? p.tone('bad', SYMBOLS.leaked) : p.tone('good', SYMBOLS.sealed);
      const why = !bad && c.allowedBy ? p.dim(` (${c.allowedBy})`) : '';
      return `${mark} ${truncate(crossingText(c), fdWidth - 4)}${why}`;
    });
    if (crossings.length > perProgram) lines.push(p.dim(`+${crossings.length - perProgram} more`));
    const fds = lines.length ? lines.join('\n') : p.tone('good', `${SYMBOLS.sealed} none`);
    const name = g.violatingExecs ? p.tone('bad', displayName(g.program, g.argv0)) : displayName(g.program, g.argv0);
    const execs = g.violatingExecs ? `${g.execs} (${p.tone('bad', `${g.violatingExecs} ✗`)})` : String(g.execs);
    rows.push([name, execs, fds, parentsText(g.parents)]);
  }
  out.push(
    table(rows, {
      border: getBorderCharacters('norc'),
      columnDefault: { alignment: 'left', paddingLeft: 1, paddingRight: 1 },
      columns: { 0: { width: 22, wrapWord: true }, 2: { width: fdWidth }, 3: { width: 24, wrapWord: true } },
      drawHorizontalLine: (i, size) => i <= 1 || i === size,
    }),
  );
  if (model.groups.length > maxPrograms) out.push(p.dim(`  +${model.groups.length - maxPrograms} more programs (see the reports)\n`));
  const bad = model.sets.filter((s) => s.violatingExecs > 0);
  for (const s of bad.slice(0, VIOLATIONS_SHOWN)) out.push(`  ${p.tone('bad', SYMBOLS.leaked)} ${setViolationMessage(s)}\n`);
  if (bad.length > VIOLATIONS_SHOWN) out.push(`  … and ${bad.length - VIOLATIONS_SHOWN} more (see the reports)\n`);
  out.push(`legend: ${p.tone('bad', SYMBOLS.leaked)} inherited and not allowed   ${p.tone('good', SYMBOLS.sealed)} inherited, allowed by the rule shown\n`);
  out.push(`${countsText(model)}\n`);
  return out.join('');
}

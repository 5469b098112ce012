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
  const header = ['program', 'execs', 'fds beyond 0, 1, 2 (fd target, execs)', 'started by'];
  const fdMax = Math.max(30, Math.floor(width * 0.45));
  const plain: string[][] = [];
  const rows: string[][] = [header.map((h) => p.bold(h))];
  for (const g of model.groups.slice(0, maxPrograms)) {
    const crossings = [...g.crossings.values()].sort((a, b) => a.fd - b.fd || b.count - a.count);
    const lines = crossings.slice(0, perProgram).map((c) => {
      const bad = c.violations > 0;
      const why = !bad && c.allowedBy ? ` (${c.allowedBy})` : '';
      return { bad, text: `${bad ? SYMBOLS.leaked : SYMBOLS.sealed} ${truncate(crossingText(c), fdMax - 4)}`, why };
    });
    const more = crossings.length > perProgram ? `+${crossings.length - perProgram} more` : null;
    const name = displayName(g.program, g.argv0);
    const execs = g.violatingExecs ? `${g.execs} (${g.violatingExecs} ${SYMBOLS.leaked})` : String(g.execs);
    const parents = parentsText(g.parents);
    plain.push([name, execs, [...lines.map((l) => l.text + l.why), ...(more ? [more] : []), ...(lines.length ? [] : [`${SYMBOLS.sealed} none`])].join('\n'), parents]);
    const fds = lines.length
      ? [...lines.map((l) => `${p.tone(l.bad ? 'bad' : 'good', l.text.slice(0, 1))}${l.text.slice(1)}${p.dim(l.why)}`), ...(more ? [p.dim(more)] : [])].join('\n')
      : p.tone('good', `${SYMBOLS.sealed} none`);
    rows.push([g.violatingExecs ? p.tone('bad', name) : name, g.violatingExecs ? `${g.execs} (${p.tone('bad', `${g.violatingExecs} ${SYMBOLS.leaked}`)})` : execs, fds, parents]);
  }
  // Each column as wide as its widest line (within bounds), so a small trace makes a small table.
  const widest = (col: number, lo: number, hi: number): number =>
    Math.min(hi, Math.max(lo, [header, ...plain].reduce((w, r) => Math.max(w, ...(r[col] ?? '').split('\n').map((l) => [...l].length)), 0)));
  out.push(
    table(rows, {
      border: getBorderCharacters('norc'),
      columnDefault: { alignment: 'left', paddingLeft: 1, paddingRight: 1 },
      columns: {
        0: { width: widest(0, 7, 24), wrapWord: true },
        1: { width: widest(1, 5, 14) },
        2: { width: widest(2, 20, fdMax) },
        3: { width: widest(3, 10, 30), wrapWord: true },
      },
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

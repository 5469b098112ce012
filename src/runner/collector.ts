/**
 * A japa reporter that turns test events into TestRecords for the report files (junit.xml, audit.json
 * counts, GitHub annotations), and a refiner that applies --grep to plain tests.
 */
import { relative } from 'node:path';
import { Refiner } from '@japa/runner/core';
import type { NamedReporterContract } from '@japa/runner/types';
import type { TestRecord } from '../report/types.ts';
import { grepAllows } from './matrix.ts';
import { readMark } from './marks.ts';
import { runState } from './state.ts';

interface RowLike {
  launcher?: unknown;
  bait?: unknown;
  kernel?: unknown;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** A reporter that appends one TestRecord per finished test (and per failed group or suite hook) to `sink`. */
export function recordsReporter(sink: TestRecord[], cwd = process.cwd()): NamedReporterContract {
  return {
    name: 'fdaudit-records',
    handler: (_runner, emitter) => {
      emitter.on('test:end', (t) => {
        const meta = t.meta as Record<string, unknown>;
        const mark = readMark(meta);
        const row = (t.dataset?.row ?? {}) as RowLike;
        const { kernel: runKernel, matrix } = runState().options;
        const launcher = str(row.launcher) ?? mark.launcher;
        const bait = str(row.bait) ?? mark.bait;
        const kernel = str(row.kernel) ?? mark.kernel ?? (launcher ? runKernel : undefined);
        let name = t.title.expanded;
        if (matrix && !name.includes(`[${runKernel}]`)) name = `${name} [${runKernel}]`;
        const file = str(meta.fileName);
        const record: TestRecord = { name, status: 'passed', durationMs: Math.round(t.duration ?? 0) };
        if (file) record.file = relative(cwd, file) || file;
        if (launcher) record.launcher = launcher;
        if (kernel) record.kernel = kernel;
        else if (matrix) record.kernel = runKernel;
        if (bait) record.bait = bait;
        if (t.hasError) {
          record.status = 'failed';
          record.message = t.errors.map((e) => errorText(e.error)).join('; ');
        } else if (t.isSkipped || t.isTodo) {
          record.status = 'skipped';
          record.message = t.skipReason || (t.isTodo ? 'todo' : 'skipped');
        } else if (mark.skipped) {
          record.status = 'skipped';
          record.message = mark.skipped;
        }
        sink.push(record);
      });
      // A hook that fails outside any test still fails the run, and the report says where.
      // hasError is also set when a test of the group failed; only hook errors need a record of their own.
      emitter.on('group:end', (g) => {
        if (!g.hasError || g.errors.length === 0) return;
        const meta = g.meta as Record<string, unknown>;
        const file = str(meta.fileName);
        const record: TestRecord = {
          name: `${g.title} (group hooks)`,
          status: 'failed',
          message: g.errors.map((e) => `${e.phase}: ${errorText(e.error)}`).join('; '),
          durationMs: 0,
        };
        if (file) record.file = relative(cwd, file) || file;
        sink.push(record);
      });
      emitter.on('suite:end', (s) => {
        if (!s.hasError || s.errors.length === 0) return;
        sink.push({
          name: `suite ${s.name} (hooks)`,
          status: 'failed',
          message: s.errors.map((e) => `${e.phase}: ${errorText(e.error)}`).join('; '),
          durationMs: 0,
        });
      });
    },
  };
}

/**
 * Applies --grep to tests with a fixed title (group title and test title). Titles with a `{…}` template
 * are datasets: their rows are filtered by name where the matrix helpers build them.
 */
export class GrepRefiner extends Refiner {
  override allows(testOrGroup: Parameters<Refiner['allows']>[0]): boolean {
    if (!super.allows(testOrGroup)) return false;
    const t = testOrGroup as { title: string; parent?: { title?: string }; tests?: unknown };
    if (Array.isArray(t.tests)) return true;
    if (/\{[^}]*\}/.test(t.title)) return true;
    const full = t.parent?.title ? `${t.parent.title} ${t.title}` : t.title;
    return grepAllows(full);
  }
}

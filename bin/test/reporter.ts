/**
 * The console output of one spec file under `npm test` — a header per group, one line per test (a skip
 * with its reason, whichever way it was skipped), japa's detailed error printout at the end, no
 * per-file summary (bin/test.ts prints one for the whole run) — and the file's test records: one per
 * test, and one per group or suite hook that failed outside any test. It imports little on purpose:
 * every spec file's process loads it.
 */
import { BaseReporter } from '@japa/runner/core';
import type { NamedReporterContract } from '@japa/runner/types';
import { relative } from 'node:path';
import pc from 'picocolors';
import type { TestRecord } from '../../src/report/types.ts';
import { readMark } from '../../src/runner/marks.ts';

type TestEnd = Parameters<BaseReporter['onTestEnd']>[0];
type GroupStart = Parameters<BaseReporter['onGroupStart']>[0];
type GroupEnd = Parameters<BaseReporter['onGroupEnd']>[0];
type SuiteEnd = Parameters<BaseReporter['onSuiteEnd']>[0];

const message = (errors: readonly { phase: string; error: unknown }[], phase = false): string =>
  errors.map((e) => `${phase ? `${e.phase}: ` : ''}${e.error instanceof Error ? e.error.message || e.error.name : String(e.error)}`).join('; ');

function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`;
}

/** Why a finished test counts as skipped, or null when it ran: japa's skip, a todo, or results it could not judge here. */
export function skipReason(t: TestEnd): string | null {
  if (t.hasError) return null;
  if (t.isSkipped) return t.skipReason || 'skipped';
  if (t.isTodo) return 'todo';
  return readMark(t.meta as Record<string, unknown>).skipped ?? null;
}

class LineReporter extends BaseReporter {
  private file = '';

  constructor(
    private readonly sink: TestRecord[],
    private readonly root: string,
  ) {
    super();
  }

  private fileOf(meta: Record<string, unknown>): string {
    const name = typeof meta.fileName === 'string' ? meta.fileName : '';
    return name ? relative(this.root, name) || name : '';
  }

  private push(record: TestRecord, meta: Record<string, unknown>): void {
    const file = this.fileOf(meta);
    this.sink.push(file ? { ...record, file } : record);
  }

  protected override onGroupStart(g: GroupStart): void {
    const file = this.fileOf(g.meta as Record<string, unknown>);
    if (file && file !== this.file) {
      this.file = file;
      console.log(`\n${pc.bold(`■ ${file}`)}`);
    }
    console.log(`${g.title}`);
  }

  protected override onTestEnd(t: TestEnd): void {
    const time = pc.dim(`(${duration(t.duration)})`);
    const reason = skipReason(t);
    const record: TestRecord = { name: t.title.expanded, status: 'passed', durationMs: Math.round(t.duration ?? 0) };
    if (t.hasError) {
      console.log(`  ${pc.red('✖')} ${t.title.expanded} ${time}`);
      Object.assign(record, { status: 'failed', message: message(t.errors) });
    } else if (reason !== null) {
      console.log(`  ${pc.yellow('⊘')} ${t.title.expanded} ${pc.yellow(`skipped: ${reason}`)}`);
      Object.assign(record, { status: 'skipped', message: reason });
    } else {
      console.log(`  ${pc.green('✔')} ${t.title.expanded} ${time}`);
    }
    this.push(record, t.meta as Record<string, unknown>);
  }

  // hasError is also set when a test of the group failed; only hook errors need a record of their own.
  protected override onGroupEnd(g: GroupEnd): void {
    if (g.hasError && g.errors.length) this.push({ name: `${g.title} (group hooks)`, status: 'failed', message: message(g.errors, true), durationMs: 0 }, g.meta as Record<string, unknown>);
  }

  protected override onSuiteEnd(s: SuiteEnd): void {
    if (s.hasError && s.errors.length) this.sink.push({ name: `suite ${s.name} (hooks)`, status: 'failed', message: message(s.errors, true), durationMs: 0 });
  }

  protected override async end(): Promise<void> {
    if (this.runner) await this.printErrors(this.runner.getSummary());
  }
}

/** The reporter; finished tests (and failed hooks) are appended to `sink` as TestRecords, files relative to `root`. */
export function lineReporter(sink: TestRecord[], root: string): NamedReporterContract {
  return {
    name: 'fdaudit-test-lines',
    handler: (runner, emitter) => new LineReporter(sink, root).boot(runner, emitter),
  };
}

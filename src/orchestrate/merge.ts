/**
 * A merge: the audit.json files of several runs (named, or found in directories) into one set of
 * reports — audit.json, junit.xml, summary.md, index.html and the terminal table — by the writers a run
 * uses. Every input is read and checked before anything is written.
 */
import { isAbsolute, join, relative, resolve } from 'node:path';
import { writeHtmlReport } from '../html/index.ts';
import { githubAnnotations } from '../report/github.ts';
import { renderSummary, writeStepSummary } from '../report/markdown.ts';
import { describeMerge, mergeReports, MergeInputError } from '../report/merge.ts';
import { AUDIT_FILE, collectInputs, readSources } from '../report/merge-read.ts';
import { renderTerminal } from '../report/table.ts';
import type { ReportFormat } from '../report/types.ts';
import { writeReports } from '../report/write.ts';
import { checkOut } from './checks.ts';
import { checkChoices, RunFailed, UsageError } from './errors.ts';

/** What a merge can produce: the terminal table, the report files, annotations for failed tests. */
export const MERGE_REPORTERS = ['table', 'json', 'junit', 'summary', 'github'] as const;
export type MergeReporter = (typeof MERGE_REPORTERS)[number];
const DEFAULT_REPORTERS: readonly MergeReporter[] = ['table', 'json', 'junit', 'summary'];

export interface MergeCliOptions {
  out: string;
  reporter?: string[];
  color?: boolean;
}

export interface MergeStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * Runs `fdaudit merge INPUTS…`. Throws UsageError for bad input (exit 2), RunFailed when the merged
 * report counts a failed test (exit 1, as `fdaudit run` would have).
 */
export function mergeAction(
  inputs: readonly string[],
  opts: MergeCliOptions,
  cwd = process.cwd(),
  streams: MergeStreams = process,
): void {
  if (inputs.length === 0) throw new UsageError('name at least one audit.json or directory to merge');
  const reporters = opts.reporter && opts.reporter.length ? [...new Set(opts.reporter)] : [...DEFAULT_REPORTERS];
  checkChoices('reporter', reporters, MERGE_REPORTERS);
  if (opts.out === '') throw new UsageError('--out needs a directory');
  const out = resolve(cwd, opts.out);

  const notes: string[] = [];
  let sources;
  let found;
  try {
    // The merge's own audit.json from an earlier merge into the same --out is never an input by accident.
    found = collectInputs(inputs, { cwd, exclude: [join(out, AUDIT_FILE)] });
    sources = readSources(found.files, { cwd, notes });
  } catch (err) {
    if (err instanceof MergeInputError) throw new UsageError(err.message);
    throw err;
  }
  for (const s of found.skipped) notes.push(`${s} left out: it is this merge's own output (--out)`);
  const { report, records } = mergeReports(sources, notes);

  const say = (line: string): void => {
    streams.stderr.write(`fdaudit merge: ${line}\n`);
  };
  const hosts = report.hosts?.length ?? 1;
  say(`${sources.length} report${sources.length === 1 ? '' : 's'} from ${hosts} host${hosts === 1 ? '' : 's'}: ${report.results.length} results`);
  for (const line of report.merge ? describeMerge(report.merge) : []) say(line);

  // Only now, so that bad input creates no --out directory.
  checkOut(opts.out, cwd);
  const formats = reporters.filter((r): r is ReportFormat => r === 'json' || r === 'junit' || r === 'summary');
  const written = formats.length ? writeReports(out, report, records, { formats }) : null;
  if (reporters.includes('summary')) writeStepSummary(renderSummary(report, records));
  const page = written?.auditJson ? writeHtmlReport(out) : null;
  if (reporters.includes('github')) for (const line of githubAnnotations(records)) streams.stdout.write(`${line}\n`);
  if (reporters.includes('table')) {
    streams.stdout.write(renderTerminal(report.results, { ...(opts.color === false ? { color: false } : {}), tests: report.tests }));
  }
  if (written) {
    // Shown relative to the working directory when inside it, as the inputs are.
    const files = [written.auditJson, written.junitXml, written.summaryMd, page]
      .filter((f): f is string => f !== null)
      .map((f) => {
        const rel = relative(cwd, f);
        return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : f;
      });
    streams.stderr.write(`reports written: ${files.join(', ')}\n`);
  }
  const failed = report.tests.failed;
  if (failed > 0) {
    const where = report.merge?.inputs.filter((i) => i.tests.failed > 0).map((i) => i.file) ?? [];
    throw new RunFailed(`${failed === 1 ? '1 test' : `${failed} tests`} failed in the merged runs (${where.join(', ')})`);
  }
}

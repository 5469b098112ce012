/**
 * Writes audit.json, junit.xml and summary.md into an output directory. Each file appears
 * whole or not at all: it is written under a temporary name in the same directory and
 * renamed into place, and temporary files are removed when anything fails.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AuditReport } from '../audit/types.ts';
import { serializeAuditReport } from './audit-json.ts';
import { renderJunit } from './junit.ts';
import { renderSummary } from './markdown.ts';
import { REPORT_FORMATS, type ReportFormat, type TestRecord } from './types.ts';

export const REPORT_FILES: Readonly<Record<ReportFormat, string>> = {
  json: 'audit.json',
  junit: 'junit.xml',
  summary: 'summary.md',
};

export interface WriteReportsOptions {
  /** Which files to write (default all three). */
  formats?: readonly ReportFormat[];
  /** Timestamp for junit suites; left out when not given. */
  timestamp?: Date;
}

/** Absolute paths of the files written; null for a format not asked for. */
export interface WrittenReports {
  auditJson: string | null;
  junitXml: string | null;
  summaryMd: string | null;
}

export function writeReports(
  outDir: string,
  report: AuditReport,
  records: readonly TestRecord[],
  options: WriteReportsOptions = {},
): WrittenReports {
  if (typeof outDir !== 'string' || outDir === '') throw new TypeError('report directory must be a non-empty string');
  const formats = options.formats ?? REPORT_FORMATS;
  for (const f of formats) {
    if (!REPORT_FORMATS.includes(f)) {
      throw new RangeError(`unknown report format ${JSON.stringify(f)}; valid: ${REPORT_FORMATS.join(', ')}`);
    }
  }
  // Everything is rendered before the file system is touched, so bad input writes nothing.
  const contents: [ReportFormat, string][] = [];
  if (formats.includes('json')) contents.push(['json', serializeAuditReport(report)]);
  if (formats.includes('junit')) {
    contents.push(['junit', renderJunit(records, options.timestamp ? { timestamp: options.timestamp } : {})]);
  }
  if (formats.includes('summary')) contents.push(['summary', renderSummary(report, records)]);

  const dir = resolve(outDir);
  prepareDirectory(dir, outDir);
  // A directory in the way of a report name would fail its rename after others succeeded.
  for (const [format] of contents) {
    const final = join(dir, REPORT_FILES[format]);
    if (isDirectory(final)) {
      throw directoryError(outDir, Object.assign(new Error(`${final} is a directory`), { code: 'EISDIR' }));
    }
  }
  const written: WrittenReports = { auditJson: null, junitXml: null, summaryMd: null };
  const temps: string[] = [];
  try {
    const staged = contents.map(([format, text]) => {
      const temp = join(dir, `.${REPORT_FILES[format]}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      temps.push(temp);
      writeWhole(temp, text);
      return { format, temp, final: join(dir, REPORT_FILES[format]) };
    });
    for (const s of staged) {
      renameSync(s.temp, s.final);
      temps.splice(temps.indexOf(s.temp), 1);
      if (s.format === 'json') written.auditJson = s.final;
      else if (s.format === 'junit') written.junitXml = s.final;
      else written.summaryMd = s.final;
    }
  } catch (err) {
    for (const t of temps) removeQuietly(t);
    throw directoryError(outDir, err);
  }
  return written;
}

function prepareDirectory(dir: string, shown: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    throw directoryError(shown, err);
  }
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function writeWhole(path: string, text: string): void {
  // wx: never follow or reuse an existing name; the random suffix makes a clash unlikely anyway.
  const fd = openSync(path, 'wx', 0o644);
  try {
    const data = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    // Data reaches the disk before the rename makes it visible under the real name.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone or never created: nothing left behind either way.
  }
}

const REASONS: Record<string, string> = {
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'it exists and is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EISDIR: 'a report file name is taken by a directory',
};

/** An Error naming the directory and why it cannot hold the reports (the CLI shows it as is). */
function directoryError(dir: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException)?.code;
  const reason = code ? `${REASONS[code] ?? (err as Error).message} (${code})` : String((err as Error)?.message ?? err);
  return new Error(`cannot write reports to ${dir}: ${reason}`, { cause: err });
}

/**
 * Writes other reports (trace's junit.xml and summary.md, say) into `outDir` the same way: every file
 * rendered already, each staged under a temporary name and renamed into place, nothing left behind on
 * failure. Returns the absolute paths, in order.
 */
export function writeTextFiles(outDir: string, files: readonly (readonly [name: string, text: string])[]): string[] {
  if (typeof outDir !== 'string' || outDir === '') throw new TypeError('report directory must be a non-empty string');
  const dir = resolve(outDir);
  prepareDirectory(dir, outDir);
  for (const [name] of files) {
    if (isDirectory(join(dir, name))) {
      throw directoryError(outDir, Object.assign(new Error(`${join(dir, name)} is a directory`), { code: 'EISDIR' }));
    }
  }
  const temps: string[] = [];
  const written: string[] = [];
  try {
    const staged = files.map(([name, text]) => {
      const temp = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      temps.push(temp);
      writeWhole(temp, text);
      return { temp, final: join(dir, name) };
    });
    for (const s of staged) {
      renameSync(s.temp, s.final);
      temps.splice(temps.indexOf(s.temp), 1);
      written.push(s.final);
    }
  } catch (err) {
    for (const t of temps) removeQuietly(t);
    throw directoryError(outDir, err);
  }
  return written;
}

/**
 * trace.json (`fdaudit/trace@1`), written as the trace goes: the header, then each exec as it arrives,
 * then COMMAND's status and the counts. In a report directory it is written under a temporary name and
 * renamed into place at the end, so a reader never sees half a report (and an interrupted run leaves
 * none behind); on a stream (`--json -`) it goes out as it is produced.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TRACE_SCHEMA, type ExecRecord, type TraceReport } from '../trace/types.ts';

export const TRACE_FILE = 'trace.json';

export type TraceHeader = Pick<TraceReport, 'host' | 'command' | 'cwd' | 'startedAt' | 'allow' | 'passed'>;
export type TraceFooter = Pick<TraceReport, 'exitCode' | 'signal' | 'summary' | 'tracer'>;

const FLUSH_AT = 64 * 1024;

export class TraceJsonStream {
  private chunks: string[] = [];
  private size = 0;
  private count = 0;
  private closed = false;

  private constructor(
    private readonly fd: number,
    private readonly temp: string | null,
    private readonly final: string | null,
  ) {}

  /** trace.json in `dir` (which must exist), appearing there only once `end` has run. */
  static inDirectory(dir: string): TraceJsonStream {
    return TraceJsonStream.atPath(join(dir, TRACE_FILE));
  }

  /** The report at `path` (its directory must exist), appearing there only once `end` has run. */
  static atPath(path: string): TraceJsonStream {
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    return new TraceJsonStream(openSync(temp, 'wx', 0o644), temp, path);
  }

  /** The report written to an open fd (stdout for `--json -`), left open. */
  static onFd(fd: number): TraceJsonStream {
    return new TraceJsonStream(fd, null, null);
  }

  get path(): string | null {
    return this.final;
  }

  begin(header: TraceHeader): void {
    const h = { schema: TRACE_SCHEMA, ...header };
    this.push(`${JSON.stringify(h).slice(0, -1)},\n"execs":[`);
  }

  exec(record: ExecRecord): void {
    this.push(`${this.count++ === 0 ? '\n' : ',\n'}${JSON.stringify(record)}`);
  }

  /** Completes the report; returns its path (null on a stream). */
  end(footer: TraceFooter): string | null {
    this.push(`${this.count ? '\n' : ''}],\n${JSON.stringify(footer).slice(1)}\n`);
    this.flush();
    if (this.temp === null || this.final === null) {
      this.closed = true;
      return null;
    }
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.closed = true;
    }
    renameSync(this.temp, this.final);
    return this.final;
  }

  /** Drops a report in progress (its temporary file included). */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.temp === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(this.temp);
    } catch {
      // never created or already gone
    }
  }

  private push(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.chunks.length === 0) return;
    const data = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.size = 0;
    let off = 0;
    while (off < data.length) {
      try {
        off += writeSync(this.fd, data, off, data.length - off);
      } catch (err) {
        // A non-blocking stdout (a pipe Node made non-blocking) says EAGAIN when full: wait and retry.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    }
  }
}

/** Reads a trace.json; null with the reason when it is missing or not a trace report. */
export function parseTraceReport(text: string): TraceReport | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const o = parsed as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || o.schema !== TRACE_SCHEMA) return `not a ${TRACE_SCHEMA} report`;
  if (!Array.isArray(o.execs) || !Array.isArray(o.command)) return `not a ${TRACE_SCHEMA} report (no execs or command)`;
  return parsed as TraceReport;
}

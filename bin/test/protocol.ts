/**
 * What one job of `npm test` — a process running one spec file, or a few light ones in a row
 * (bin/test/job.ts) — hands back to bin/test.ts: for each file, its test records and what it left
 * behind, checked when the file ends. What the process leaves after it has exited (temp files outside
 * every file's folder, processes still running in its session) the parent finds itself.
 */
import type { TestRecord } from '../../src/report/types.ts';

export const JOB_RESULT_SCHEMA = 'fdaudit/test-job@1';

export interface OpenFd {
  fd: number;
  /** readlink of /proc/self/fd/N, e.g. "pipe:[123]" or "/tmp/x". */
  target: string;
}

export interface StrayProcess {
  pid: number;
  command: string;
}

/** One spec file's part of a job. */
export interface FileReport {
  /** Repository-relative path. */
  path: string;
  /** One record per test (and per failed group or suite hook), in the order they finished. */
  records: TestRecord[];
  /** Children that exited and were never reaped, at the end of the file. */
  zombies: StrayProcess[];
  /** Fds open at the end of the file that were not open when it began. */
  fdsLeft: OpenFd[];
  /** Fds open when the file began that something closed. */
  fdsClosed: OpenFd[];
  /** Paths left in the file's own TMPDIR (folders end with a slash). */
  tempLeft: string[];
  /** Processes of the job's session started during the file and still running at its end (killed). */
  strays: StrayProcess[];
  wallMs: number;
  /** CPU time of the job's process and of every child it reaped while the file ran (user + system). */
  cpuMs: number;
}

export interface JobResult {
  schema: typeof JOB_RESULT_SCHEMA;
  files: FileReport[];
  /** A failure outside any test (a file that does not load, an unhandled rejection). */
  runError: string | null;
}

/** A spec file of the run, with the japa suite it belongs to. */
export interface SpecFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  suite: 'unit' | 'audit';
}

/** Per-test timeout by suite: the audit suite launches every launcher, under every personality. */
export const SUITE_TIMEOUT_MS: Record<SpecFile['suite'], number> = { unit: 60_000, audit: 120_000 };

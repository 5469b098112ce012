/**
 * What one spec file's process (bin/test/file.ts) hands back to `npm test` (bin/test.ts): its test
 * records and what it left behind in its own process. Temp files and processes that outlive it are
 * found by the parent, which sees them after the file's process has exited.
 */
import type { TestRecord } from '../../src/report/types.ts';

export const FILE_RESULT_SCHEMA = 'fdaudit/test-file@1';

export interface OpenFd {
  fd: number;
  /** readlink of /proc/self/fd/N, e.g. "pipe:[123]" or "/tmp/x". */
  target: string;
}

export interface FileResult {
  schema: typeof FILE_RESULT_SCHEMA;
  /** One record per test (and per failed group or suite hook), as `fdaudit run` collects them. */
  records: TestRecord[];
  /** Children of the file's process that exited and were never reaped, at the end of the file. */
  zombies: { pid: number; command: string }[];
  /** Fds open at the end that were not open before the spec file was loaded. */
  fdsLeft: OpenFd[];
  /** Fds open before the spec file was loaded that something closed. */
  fdsClosed: OpenFd[];
  /** A failure outside any test (the file does not load, an unhandled rejection). */
  runError: string | null;
  /** CPU time of the file's process and of every child it reaped (user + system), in ms. */
  cpuMs: number;
}

/** A spec file of the run, with the japa suite it belongs to. */
export interface SpecFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  suite: 'unit' | 'audit';
}

/** Per-test timeout by suite: the audit suite launches every launcher, under every personality. */
export const SUITE_TIMEOUT_MS: Record<SpecFile['suite'], number> = { unit: 60_000, audit: 120_000 };

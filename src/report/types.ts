/** What the reporters consume besides audit results: one record per test that ran. */

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestRecord {
  /** Test title as the runner names it, e.g. "node:spawn › pipe". */
  name: string;
  /** Spec file, relative to the working directory (used for junit suites and GitHub annotations). */
  file?: string;
  launcher?: string;
  kernel?: string;
  bait?: string;
  /** The host the test ran on, in a merged report (`fdaudit merge`); absent for a single run. */
  host?: string;
  status: TestStatus;
  /** The assertion's message for failures, the reason for skips. */
  message?: string;
  durationMs: number;
}

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Files `writeReports` can write; `--reporter` names map onto these. */
export type ReportFormat = 'json' | 'junit' | 'summary';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'junit', 'summary'];

export interface ColorOption {
  /** true/false forces colours on/off; undefined decides from NO_COLOR/FORCE_COLOR and the stream's TTY. */
  color?: boolean;
}

/**
 * GitHub Actions workflow commands: `::error` annotations for failed tests. Escaping follows
 * the runner's rules: in the message %, CR and LF are percent-encoded; in properties also : and ,.
 */
import { stripAnsi } from './cells.ts';
import type { TestRecord } from './types.ts';
import { junitTestName } from './junit.ts';

export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Whether this process runs as a GitHub Actions step. */
export function inGithubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.GITHUB_ACTIONS;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/** One `::error file=…,title=…::message` line for a failed test. */
export function annotationLine(record: TestRecord): string {
  const props: string[] = [];
  if (record.file) props.push(`file=${escapeCommandProperty(record.file)}`);
  props.push(`title=${escapeCommandProperty(`fdaudit: ${junitTestName(record)}`)}`);
  // Keep line breaks (escaped below); other control characters would reach the log raw.
  const message = stripAnsi(record.message ?? 'failed').replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `::error ${props.join(',')}::${escapeCommandData(message)}`;
}

/** Annotation lines for every failed test when running under GitHub Actions, else none. */
export function githubAnnotations(records: readonly TestRecord[], env: NodeJS.ProcessEnv = process.env): string[] {
  if (!inGithubActions(env)) return [];
  return records.filter((r) => r.status === 'failed').map(annotationLine);
}

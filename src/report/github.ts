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

/**
 * Colour codes dropped; control characters shown as \xNN, since the runner would copy them
 * into the log raw. Tab stays, CR and LF stay for the escaping to encode.
 */
function visible(text: string): string {
  return stripAnsi(text).replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** One `::error file=…,title=…::message` line for a failed test. */
export function annotationLine(record: TestRecord): string {
  const props: string[] = [];
  if (record.file) props.push(`file=${escapeCommandProperty(visible(record.file))}`);
  props.push(`title=${escapeCommandProperty(visible(`fdaudit: ${junitTestName(record)}`))}`);
  return `::error ${props.join(',')}::${escapeCommandData(visible(record.message ?? 'failed'))}`;
}

/** Annotation lines for every failed test when running under GitHub Actions, else none. */
export function githubAnnotations(records: readonly TestRecord[], env: NodeJS.ProcessEnv = process.env): string[] {
  if (!inGithubActions(env)) return [];
  return records.filter((r) => r.status === 'failed').map(annotationLine);
}

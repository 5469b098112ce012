/**
 * Test records from japa's `test:end` events. The shape is described structurally so the
 * reporters do not depend on japa at run time.
 */
import { isAbsolute, relative } from 'node:path';
import { stripAnsi } from './cells.ts';
import type { TestRecord } from './types.ts';

/** The fields of japa's TestEndNode that a record needs. */
export interface TestEndLike {
  title: { original: string; expanded: string };
  duration: number;
  hasError: boolean;
  errors: { phase: string; error: unknown }[];
  isSkipped?: boolean;
  isTodo?: boolean;
  skipReason?: string;
  /** japa puts the spec's absolute path in `fileName`; the runner may add launcher, kernel, bait. */
  meta: Record<string, unknown>;
}

export interface RecordContext {
  launcher?: string;
  kernel?: string;
  bait?: string;
  /** Spec paths are made relative to this (default process.cwd()). */
  cwd?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function errorText(e: { phase: string; error: unknown }): string {
  const err = e.error;
  const text = err instanceof Error ? err.message : String(err);
  // Where it failed matters when it was not the test body (a hook, a cleanup).
  return stripAnsi(e.phase === 'test' ? text : `${e.phase}: ${text}`);
}

export function recordFromTestEnd(node: TestEndLike, context: RecordContext = {}): TestRecord {
  const meta = node.meta ?? {};
  const record: TestRecord = {
    name: node.title.expanded,
    status: node.isSkipped || node.isTodo ? 'skipped' : node.hasError ? 'failed' : 'passed',
    durationMs: Number.isFinite(node.duration) ? node.duration : 0,
  };
  const fileName = str(meta.fileName);
  if (fileName) record.file = isAbsolute(fileName) ? relative(context.cwd ?? process.cwd(), fileName) : fileName;
  const launcher = context.launcher ?? str(meta.launcher);
  const kernel = context.kernel ?? str(meta.kernel);
  const bait = context.bait ?? str(meta.bait);
  if (launcher) record.launcher = launcher;
  if (kernel) record.kernel = kernel;
  if (bait) record.bait = bait;
  if (record.status === 'failed') {
    const message = node.errors.map(errorText).join('\n');
    if (message) record.message = message;
  } else if (record.status === 'skipped') {
    const reason = str(node.skipReason) ?? (node.isTodo ? 'todo' : undefined);
    if (reason) record.message = reason;
  }
  return record;
}

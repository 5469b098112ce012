/**
 * JUnit for a trace: one test case per distinct (program, inherited set), failing when an exec of that
 * program with that set inherited an fd the policy does not allow. Rendered by the run's JUnit writer.
 */
import type { TraceModel } from '../trace/collect.ts';
import { renderJunit } from './junit.ts';
import { commandText, setTitle, setViolationMessage, type TraceMeta } from './trace-text.ts';
import type { TestRecord } from './types.ts';

/** The test records of a trace: the same cases the JUnit file has, for annotations and summaries too. */
export function traceTestRecords(model: TraceModel, meta: TraceMeta): TestRecord[] {
  const suite = `fdaudit trace: ${commandText(meta.command, 120)}`;
  return model.sets.map((s) => {
    const record: TestRecord = {
      name: `${setTitle(s)} (${s.execs} exec${s.execs === 1 ? '' : 's'})`,
      file: suite,
      status: s.violatingExecs > 0 ? 'failed' : 'passed',
      durationMs: 0,
    };
    if (s.violatingExecs > 0) record.message = setViolationMessage(s);
    return record;
  });
}

export function renderTraceJunit(model: TraceModel, meta: TraceMeta, options: { timestamp?: Date } = {}): string {
  return renderJunit(traceTestRecords(model, meta), { name: 'fdaudit trace', ...options });
}

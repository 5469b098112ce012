/**
 * `fdaudit run --strict`: nothing may be left unchecked. Every skipped test becomes a failed one, and
 * every skipped result (a launcher or personality not available here) that no test already stands for
 * gets a failed record of its own, so a CI job that is meant to cover Bun, Deno or a personality fails
 * when it silently stopped covering it.
 */
import type { AuditResult } from '../audit/types.ts';
import type { TestRecord } from '../report/types.ts';

export function strictRecords(results: readonly AuditResult[], records: readonly TestRecord[]): TestRecord[] {
  const out = records.map((r): TestRecord =>
    r.status === 'skipped' ? { ...r, status: 'failed', message: `skipped, and --strict fails every skip: ${r.message ?? 'no reason given'}` } : r,
  );
  for (const res of results) {
    if (res.status !== 'skipped') continue;
    if (records.some((r) => r.launcher === res.launcher && (r.kernel ?? res.kernel) === res.kernel && r.status === 'skipped')) continue;
    out.push({
      name: `${res.launcher} [${res.kernel}] skipped`,
      launcher: res.launcher,
      kernel: res.kernel,
      status: 'failed',
      message: `${res.launcher} was skipped under ${res.kernel}, and --strict fails every skip: ${res.error ?? 'no reason given'}`,
      durationMs: 0,
    });
  }
  return out;
}

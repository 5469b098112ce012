/** The `fdaudit/audit@1` report (DESIGN.md §5): built from results and test records, serialised. */
import type { AuditReport, AuditResult, BaitVerdict, HostFacts, MergeInfo } from '../audit/types.ts';
import { hostFacts } from './host.ts';
import { sortResults } from './order.ts';
import type { TestCounts, TestRecord } from './types.ts';

export const AUDIT_SCHEMA = 'fdaudit/audit@1';

export function countTests(records: readonly TestRecord[]): TestCounts {
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const r of records) {
    if (!(r.status in counts)) throw new TypeError(`test record "${r.name}" has status ${JSON.stringify(r.status)}; expected passed, failed or skipped`);
    counts[r.status]++;
  }
  return counts;
}

/**
 * The report for a run: results in display order (kernel, then launcher), counts taken from
 * the test records (or given), host facts read from this process unless given.
 */
export function buildAuditReport(
  results: readonly AuditResult[],
  tests: TestCounts | readonly TestRecord[],
  host: HostFacts = hostFacts(),
): AuditReport {
  if (!Array.isArray(results)) throw new TypeError('results must be an array of audit results');
  const counts = Array.isArray(tests) ? countTests(tests) : (tests as TestCounts);
  return {
    schema: AUDIT_SCHEMA,
    host: normalizeHost(host),
    results: sortResults(results).map(normalizeResult),
    tests: { passed: counts.passed, failed: counts.failed, skipped: counts.skipped },
  };
}

/** audit.json text: the report with keys in contract order, two-space indent, final newline. */
export function serializeAuditReport(report: AuditReport): string {
  if (report?.schema !== AUDIT_SCHEMA) {
    throw new TypeError(`audit report schema must be "${AUDIT_SCHEMA}", got ${JSON.stringify(report?.schema)}`);
  }
  if (!Array.isArray(report.results)) throw new TypeError('audit report results must be an array');
  const normalized: AuditReport = {
    schema: AUDIT_SCHEMA,
    host: normalizeHost(report.host),
    ...(Array.isArray(report.hosts) ? { hosts: report.hosts.map(normalizeHost) } : {}),
    results: report.results.map(normalizeResult),
    tests: { passed: report.tests.passed, failed: report.tests.failed, skipped: report.tests.skipped },
    ...(report.merge ? { merge: normalizeMerge(report.merge) } : {}),
  };
  return `${JSON.stringify(normalized, null, 2)}\n`;
}

/** Host facts with the name first; a report of an older version has none, and gets none invented. */
function normalizeHost(h: HostFacts): HostFacts {
  return { ...(typeof h.name === 'string' ? { name: h.name } : {}), kernel: h.kernel, node: h.node, libc: h.libc };
}

function normalizeMerge(m: MergeInfo): MergeInfo {
  const counts = (t: MergeInfo['inputs'][number]['tests']) => ({ passed: t.passed, failed: t.failed, skipped: t.skipped });
  return {
    inputs: m.inputs.map((i) => ({ file: i.file, hosts: [...i.hosts], results: i.results, tests: counts(i.tests) })),
    conflicts: m.conflicts.map((c) => ({
      host: c.host,
      kernel: c.kernel,
      launcher: c.launcher,
      kept: { file: c.kept.file, status: c.kept.status },
      dropped: c.dropped.map((d) => ({ file: d.file, status: d.status })),
    })),
    duplicates: m.duplicates.map((d) => ({ file: d.file, of: d.of, results: d.results, whole: d.whole })),
    notes: [...(m.notes ?? [])],
  };
}

/** A copy with exactly the contract's keys, in its order (extra properties are dropped). */
function normalizeResult(r: AuditResult): AuditResult {
  const out: AuditResult = {
    launcher: r.launcher,
    kernel: r.kernel,
    status: r.status,
    baits: r.baits.map(normalizeBait),
    extraFds: r.extraFds.map((e) => ({ fd: e.fd, target: e.target, type: e.type })),
    rlimitNofile: r.rlimitNofile ? { soft: r.rlimitNofile.soft, hard: r.rlimitNofile.hard } : null,
    signals: r.signals ? { blocked: [...r.signals.blocked], ignored: [...r.signals.ignored] } : null,
    closeStrategy: r.closeStrategy ?? null,
    error: r.error ?? null,
    // Results written before durations were recorded read as 0 (nothing measured).
    durationMs: typeof r.durationMs === 'number' && Number.isFinite(r.durationMs) ? r.durationMs : 0,
  };
  // Optional: the parent state a mutant ran in, when the engine records one.
  const scenario = (r as AuditResult & { scenario?: unknown }).scenario;
  if (typeof scenario === 'string') Object.assign(out, { scenario });
  // Merged reports: the host the result comes from.
  if (typeof r.host === 'string') out.host = r.host;
  return out;
}

function normalizeBait(b: BaitVerdict): BaitVerdict {
  const out: BaitVerdict = { kind: b.kind, fd: b.fd, expected: b.expected, crossed: b.crossed, childFd: b.childFd ?? null };
  if (b.target !== undefined) out.target = b.target;
  if (b.skipped) {
    out.skipped = true;
    out.reason = b.reason ?? 'no reason given';
  }
  return out;
}

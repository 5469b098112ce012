/**
 * `fdaudit merge`: several audit reports in, one report out, results keyed by (host name, kernel).
 * Pure: the reports are read and checked elsewhere (merge-read.ts); this decides what is kept.
 *
 * - Every result is tagged with the host it comes from; two hosts stay two columns even under the
 *   same kernel personality.
 * - An input identical to an earlier one (host, results and test counts) is a whole duplicate: left out,
 *   its test counts not added again.
 * - Results of two inputs for the same host, kernel, launcher (and scenario): identical ones are kept
 *   once (a duplicate); different ones are a conflict, and the one that says more against the launcher
 *   is kept: a leak over an error, an error over sealed, sealed over skipped; on a tie the input read
 *   first. Both are reported, never dropped silently.
 */
import type { AuditReport, AuditResult, AuditStatus, HostFacts, MergeConflict, MergeDuplicate, MergeInfo, MergeInput } from '../audit/types.ts';
import { AUDIT_SCHEMA, serializeAuditReport } from './audit-json.ts';
import { sortResults } from './order.ts';
import type { TestCounts, TestRecord } from './types.ts';

/** An input that cannot be merged; `file` names it. The command line shows it and exits 2. */
export class MergeInputError extends Error {
  override name = 'MergeInputError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** One audit report to merge, with the test records of its junit.xml when one was found beside it. */
export interface MergeSource {
  /** The file as the command line named it or the directory walk found it. */
  file: string;
  report: AuditReport;
  /** null: no junit.xml beside it (its tests are counted, not listed). */
  records: TestRecord[] | null;
}

export interface MergeOutcome {
  report: AuditReport;
  /** Test records of every input that had a junit.xml, tagged with their host. */
  records: TestRecord[];
}

/** Host name given to the results of a report written before hosts had names. */
export const UNNAMED_HOST = 'unnamed';

/** Which result of a conflict is kept: the higher the rank, the more it says against the launcher. */
export const MERGE_PRECEDENCE: Readonly<Record<AuditStatus, number>> = { leak: 3, error: 2, sealed: 1, skipped: 0 };

/** The hosts of a report: its `hosts` when merged, else its one `host`. */
export function sourceHosts(report: AuditReport): HostFacts[] {
  if (Array.isArray(report.hosts) && report.hosts.length > 0) return report.hosts;
  return [{ ...report.host, name: report.host.name ?? UNNAMED_HOST }];
}

/** The host a result of `report` comes from. */
export function sourceHostOf(report: AuditReport, result: AuditResult): string {
  return result.host ?? report.host.name ?? UNNAMED_HOST;
}

const keyOf = (host: string, r: AuditResult): string => JSON.stringify([host, r.kernel, r.launcher, r.scenario ?? null]);
const resultText = (r: AuditResult): string => serializeAuditReport({ schema: AUDIT_SCHEMA, host: { kernel: '', node: '', libc: '' }, results: [r], tests: { passed: 0, failed: 0, skipped: 0 } });

/** The status a group of results stands for: the one of highest precedence. */
function groupStatus(results: readonly AuditResult[]): AuditStatus {
  return results.reduce<AuditStatus>((best, r) => (MERGE_PRECEDENCE[r.status] > MERGE_PRECEDENCE[best] ? r.status : best), 'skipped');
}

/**
 * Merges the sources in order. Throws a MergeInputError when nothing is given. `notes` collects what a
 * reader should know that is not a conflict or duplicate (host facts that differ under one name,
 * reports without host names); they also go into the report's `merge.notes`.
 */
export function mergeReports(sources: readonly MergeSource[], notes: string[] = []): MergeOutcome {
  if (sources.length === 0) throw new MergeInputError('fdaudit merge', 'no audit.json to merge');
  const hosts = new Map<string, { facts: HostFacts; file: string }>();
  const kept = new Map<string, { file: string; results: AuditResult[] }>();
  const inputs: MergeInput[] = [];
  const conflicts: MergeConflict[] = [];
  const duplicates: MergeDuplicate[] = [];
  const partial = new Map<string, MergeDuplicate>();
  const whole = new Map<string, string>();
  const tests: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  const records: TestRecord[] = [];

  for (const src of sources) {
    const { report, file } = src;
    const own = sourceHosts(report);
    inputs.push({ file, hosts: own.map((h) => h.name as string), results: report.results.length, tests: { ...report.tests } });

    const text = serializeAuditReport(report);
    const earlier = whole.get(text);
    if (earlier !== undefined) {
      duplicates.push({ file, of: earlier, results: report.results.length, whole: true });
      continue;
    }
    whole.set(text, file);

    if (report.host.name === undefined && !(Array.isArray(report.hosts) && report.hosts.length > 0)) {
      notes.push(`${file} names no host (written by an older fdaudit): its results are under host '${UNNAMED_HOST}'`);
    }
    for (const h of own) {
      const name = h.name as string;
      const seen = hosts.get(name);
      if (!seen) hosts.set(name, { facts: h, file });
      else if (seen.facts.kernel !== h.kernel || seen.facts.node !== h.node || seen.facts.libc !== h.libc) {
        notes.push(
          `host '${name}' differs between ${seen.file} (${factsText(seen.facts)}) and ${file} (${factsText(h)}); ` +
            `the first is shown — give each run its own --host-name`,
        );
      }
    }

    // This input's results by key; several under one key are kept together as the run wrote them.
    const groups = new Map<string, AuditResult[]>();
    for (const r of report.results) {
      const tagged: AuditResult = { ...r, host: sourceHostOf(report, r) };
      const key = keyOf(tagged.host as string, tagged);
      const list = groups.get(key);
      if (list) list.push(tagged);
      else groups.set(key, [tagged]);
    }
    // Every result already there, unchanged: the same run again (a report and a merge that holds it).
    const repeats = [...groups].map(([key, group]) => {
      const prev = kept.get(key);
      const same = prev !== undefined && prev.results.length === group.length &&
        prev.results.every((r, i) => resultText(r) === resultText(group[i] as AuditResult));
      return same ? prev.file : null;
    });
    if (groups.size > 0 && repeats.every((f) => f !== null)) {
      duplicates.push({ file, of: repeats[0] as string, results: report.results.length, whole: true });
      continue;
    }

    // Conflicts an earlier merge found still stand in the results it kept.
    for (const c of report.merge?.conflicts ?? []) conflicts.push(c);
    tests.passed += report.tests.passed;
    tests.failed += report.tests.failed;
    tests.skipped += report.tests.skipped;
    for (const r of src.records ?? []) records.push(r.host ? r : { ...r, host: own.length === 1 ? (own[0]?.name as string) : UNNAMED_HOST });

    for (const [key, group] of groups) {
      const prev = kept.get(key);
      if (!prev) {
        kept.set(key, { file, results: group });
        continue;
      }
      const same = prev.results.length === group.length && prev.results.every((r, i) => resultText(r) === resultText(group[i] as AuditResult));
      if (same) {
        const pair = JSON.stringify([file, prev.file]);
        const d = partial.get(pair) ?? { file, of: prev.file, results: 0, whole: false };
        d.results += group.length;
        partial.set(pair, d);
        continue;
      }
      const first = group[0] as AuditResult;
      const ours = { file, status: groupStatus(group) };
      const theirs = { file: prev.file, status: groupStatus(prev.results) };
      const newWins = MERGE_PRECEDENCE[ours.status] > MERGE_PRECEDENCE[theirs.status];
      const existing = conflicts.find((c) => c.host === first.host && c.kernel === first.kernel && c.launcher === first.launcher && c.kept.file === prev.file);
      if (newWins) kept.set(key, { file, results: group });
      if (existing) {
        if (newWins) {
          existing.dropped.push(existing.kept);
          existing.kept = ours;
        } else existing.dropped.push(ours);
      } else {
        conflicts.push({
          host: first.host as string,
          kernel: first.kernel,
          launcher: first.launcher,
          kept: newWins ? ours : theirs,
          dropped: [newWins ? theirs : ours],
        });
      }
    }
  }
  duplicates.push(...partial.values());

  const hostList = [...hosts.values()].map((h) => h.facts);
  const results = sortResults([...kept.values()].flatMap((k) => k.results));
  const merge: MergeInfo = { inputs, conflicts, duplicates, notes: [...notes] };
  const report: AuditReport = { schema: AUDIT_SCHEMA, host: combinedHost(hostList), hosts: hostList, results, tests, merge };
  return { report, records };
}

function factsText(h: HostFacts): string {
  return `Linux ${h.kernel}, Node ${h.node}, ${h.libc}`;
}

/**
 * The `host` block of a merged report, for readers that know only one host: the host itself when there
 * is one, else each field lists the distinct values of the hosts in order ("a, b").
 */
export function combinedHost(hosts: readonly HostFacts[]): HostFacts {
  if (hosts.length === 1) return { ...(hosts[0] as HostFacts) };
  const field = (f: keyof HostFacts): string => [...new Set(hosts.map((h) => h[f] ?? UNNAMED_HOST))].join(', ');
  return { name: field('name'), kernel: field('kernel'), node: field('node'), libc: field('libc') };
}

/** Lines for stderr and the summary: each conflict, duplicate and note in a sentence. */
export function describeMerge(merge: MergeInfo): string[] {
  const lines: string[] = [];
  for (const c of merge.conflicts) {
    const dropped = c.dropped.map((d) => `${d.status} in ${d.file}`).join(', ');
    lines.push(`conflict: ${c.launcher} on host '${c.host}', kernel ${c.kernel}: ${c.kept.status} in ${c.kept.file} kept over ${dropped}`);
  }
  for (const d of merge.duplicates) {
    lines.push(
      d.whole
        ? d.file === d.of
          ? `duplicate: ${d.file} is named twice; read once`
          : `duplicate: ${d.file} is the same report as ${d.of}; read once`
        : `duplicate: ${d.results} result${d.results === 1 ? '' : 's'} of ${d.file} repeat${d.results === 1 ? 's' : ''} ${d.of}; kept once`,
    );
  }
  for (const n of merge.notes ?? []) lines.push(`note: ${n}`);
  return lines;
}

/**
 * junit.xml in the shape CI parsers accept (testsuites > testsuite > testcase): one suite per
 * spec file and kernel, one testcase per test record, failures carrying the assertion message.
 */
import { truncate } from './cells.ts';
import { orderKernels } from './order.ts';
import type { TestRecord } from './types.ts';
import { escapeXmlAttr as attr, escapeXmlText as text } from './xml.ts';

export interface JunitOptions {
  /** Name of the top-level <testsuites> (default "fdaudit"). */
  name?: string;
  /** Written as each suite's timestamp attribute when given (left out otherwise, for stable output). */
  timestamp?: Date;
}

/** Long messages stay in the element body; the attribute is what CI lists show as the title. */
const MESSAGE_ATTR_MAX = 1000;

/**
 * The testcase name: the record's name, with `launcher › bait` and `[kernel]` added when missing, and
 * `@ host` for a merged report's records.
 */
export function junitTestName(r: TestRecord): string {
  let name = r.name;
  if (r.launcher && !name.includes(r.launcher)) {
    name = `${r.launcher}${r.bait && !name.includes(r.bait) ? ` › ${r.bait}` : ''} › ${name}`;
  }
  if (r.kernel && !name.includes(`[${r.kernel}]`)) name = `${name} [${r.kernel}]`;
  if (r.host && !name.endsWith(` @ ${r.host}`)) name = `${name} @ ${r.host}`;
  return name;
}

/** classname: `launcher/kernel` for audit tests, else the spec file. */
export function junitClassName(r: TestRecord): string {
  if (r.launcher) return r.kernel ? `${r.launcher}/${r.kernel}` : r.launcher;
  return r.file ?? 'fdaudit';
}

function suiteName(r: TestRecord): string {
  const base = r.file ?? 'fdaudit';
  const name = r.kernel ? `${base} [${r.kernel}]` : base;
  return r.host ? `${name} @ ${r.host}` : name;
}

const seconds = (ms: number): string => (Math.max(0, Number.isFinite(ms) ? ms : 0) / 1000).toFixed(3);

export function renderJunit(records: readonly TestRecord[], options: JunitOptions = {}): string {
  if (!Array.isArray(records)) throw new TypeError('test records must be an array');
  // Suites by spec file, then kernel in personality order; records keep their order inside.
  const kernelOrder = orderKernels(records.flatMap((r) => (r.kernel ? [r.kernel] : [])));
  const suites = new Map<string, TestRecord[]>();
  for (const r of records) {
    const key = suiteName(r);
    const list = suites.get(key);
    if (list) list.push(r);
    else suites.set(key, [r]);
  }
  const files = [...new Set(records.map((r) => r.file ?? 'fdaudit'))];
  // A merged report's hosts keep the order of its inputs.
  const hosts = [...new Set(records.map((r) => r.host))];
  const ordered = [...suites.entries()].sort(([, a], [, b]) => {
    const ra = a[0] as TestRecord;
    const rb = b[0] as TestRecord;
    const k = (r: TestRecord): number => (r.kernel ? kernelOrder.indexOf(r.kernel) : -1);
    return (
      hosts.indexOf(ra.host) - hosts.indexOf(rb.host) ||
      files.indexOf(ra.file ?? 'fdaudit') - files.indexOf(rb.file ?? 'fdaudit') ||
      k(ra) - k(rb)
    );
  });

  const totals = tally(records);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(options.name ?? 'fdaudit')}" tests="${totals.tests}" failures="${totals.failures}" errors="0" skipped="${totals.skipped}" time="${seconds(totals.ms)}">`,
  ];
  for (const [name, list] of ordered) {
    const t = tally(list);
    const stamp = options.timestamp ? ` timestamp="${options.timestamp.toISOString().replace(/\.\d{3}Z$/, '')}"` : '';
    lines.push(
      `  <testsuite name="${attr(name)}" tests="${t.tests}" failures="${t.failures}" errors="0" skipped="${t.skipped}" time="${seconds(t.ms)}"${stamp}>`,
    );
    for (const r of list) lines.push(...testcase(r));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function testcase(r: TestRecord): string[] {
  const open = `    <testcase classname="${attr(junitClassName(r))}" name="${attr(junitTestName(r))}" time="${seconds(r.durationMs)}"`;
  if (r.status === 'passed') return [`${open}/>`];
  if (r.status === 'skipped') {
    const message = r.message ? ` message="${attr(truncate(r.message, MESSAGE_ATTR_MAX))}"` : '';
    return [`${open}>`, `      <skipped${message}/>`, '    </testcase>'];
  }
  const message = r.message ?? 'failed';
  return [
    `${open}>`,
    `      <failure message="${attr(truncate(message, MESSAGE_ATTR_MAX))}" type="AssertionError">${text(message)}</failure>`,
    '    </testcase>',
  ];
}

function tally(records: readonly TestRecord[]): { tests: number; failures: number; skipped: number; ms: number } {
  let failures = 0;
  let skipped = 0;
  let ms = 0;
  for (const r of records) {
    if (r.status === 'failed') failures++;
    else if (r.status === 'skipped') skipped++;
    else if (r.status !== 'passed') {
      throw new TypeError(`test record "${r.name}" has status ${JSON.stringify(r.status)}; expected passed, failed or skipped`);
    }
    if (Number.isFinite(r.durationMs) && r.durationMs > 0) ms += r.durationMs;
  }
  return { tests: records.length, failures, skipped, ms };
}

/**
 * Reads a junit.xml that `fdaudit run` (or `fdaudit merge`) wrote back into test records, so a merge can
 * list the tests of every run and write one junit.xml with the same writer. Only the shape renderJunit
 * writes is understood: testsuites > testsuite > testcase, with <failure> or <skipped>.
 */
import { DOMParser, onWarningStopParsing, type Element } from '@xmldom/xmldom';
import type { TestRecord } from './types.ts';

export interface JunitTotals {
  tests: number;
  failures: number;
  skipped: number;
}

/** Suite names as renderJunit writes them: "FILE", "FILE [KERNEL]", "FILE [KERNEL] @ HOST". */
const SUITE = /^(.*?)(?: \[([^\][]+)\])?(?: @ (.+))?$/s;

/**
 * The test records of a junit.xml. `host` is the host of a single run's file (its suites name none).
 * Throws an Error saying what is wrong when the text is not XML or not a fdaudit junit.xml.
 */
export function readJunitRecords(text: string, host: string | null): TestRecord[] {
  let doc;
  try {
    doc = new DOMParser({ onError: onWarningStopParsing }).parseFromString(text, 'text/xml');
  } catch (err) {
    throw new Error(`not well-formed XML: ${firstLine((err as Error).message)}`);
  }
  const root = doc.documentElement;
  if (!root || root.tagName !== 'testsuites') throw new Error(`the root element is <${root?.tagName ?? ''}>, expected <testsuites>`);
  if (root.getAttribute('name') !== 'fdaudit') {
    throw new Error(`<testsuites name="${root.getAttribute('name') ?? ''}"> was not written by fdaudit (expected name="fdaudit")`);
  }
  const records: TestRecord[] = [];
  for (const suite of children(root, 'testsuite')) {
    const m = SUITE.exec(suite.getAttribute('name') ?? '');
    const file = m?.[1] || undefined;
    const kernel = m?.[2];
    const suiteHost = m?.[3] ?? host;
    for (const tc of children(suite, 'testcase')) records.push(record(tc, file, kernel, suiteHost));
  }
  return records;
}

function record(tc: Element, file: string | undefined, kernel: string | undefined, host: string | null): TestRecord {
  const name = tc.getAttribute('name') ?? '';
  const classname = tc.getAttribute('classname') ?? '';
  const seconds = Number(tc.getAttribute('time'));
  const out: TestRecord = { name, status: 'passed', durationMs: Number.isFinite(seconds) ? Math.round(seconds * 1e6) / 1e3 : 0 };
  if (file !== undefined && file !== 'fdaudit') out.file = file;
  // classname is "LAUNCHER/KERNEL" for audit tests and the spec file otherwise.
  if (kernel !== undefined) {
    out.kernel = kernel;
    if (classname.endsWith(`/${kernel}`)) out.launcher = classname.slice(0, -kernel.length - 1);
  }
  if (host !== null) out.host = host;
  const failure = children(tc, 'failure')[0];
  const skipped = children(tc, 'skipped')[0];
  if (failure) {
    out.status = 'failed';
    out.message = failure.textContent || failure.getAttribute('message') || 'failed';
  } else if (skipped) {
    out.status = 'skipped';
    const message = skipped.getAttribute('message');
    if (message) out.message = message;
  }
  return out;
}

/** Testcases, failures and skips in a set of records, to hold against an audit.json's counts. */
export function junitTotals(records: readonly TestRecord[]): JunitTotals {
  return {
    tests: records.length,
    failures: records.filter((r) => r.status === 'failed').length,
    skipped: records.filter((r) => r.status === 'skipped').length,
  };
}

function children(parent: Element, tag: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).tagName === tag) out.push(n as Element);
  }
  return out;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

/**
 * The inputs of `fdaudit merge`: FILE and DIR arguments turned into audit.json files, each read and
 * checked against the `fdaudit/audit@1` shape before anything is merged or written. A directory is
 * searched recursively (actions/download-artifact puts each artifact in a folder of its own), without
 * following symbolic links to directories and skipping hidden folders and node_modules.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { AuditReport, AuditResult, HostFacts } from '../audit/types.ts';
import { AUDIT_SCHEMA } from './audit-json.ts';
import { junitTotals, readJunitRecords } from './junit-read.ts';
import { MergeInputError, sourceHosts, type MergeSource } from './merge.ts';

export const AUDIT_FILE = 'audit.json';
const JUNIT_FILE = 'junit.xml';

export interface CollectOptions {
  cwd?: string;
  /** Files never taken from a directory walk (the merge's own output), absolute. */
  exclude?: readonly string[];
}

/**
 * The audit.json files the arguments name, in order: a FILE as given, a DIR's files sorted by path.
 * `skipped` lists files a walk found but left out (the merge's own output). Throws MergeInputError for
 * a path that does not exist and for a directory without any audit.json.
 */
export function collectInputs(args: readonly string[], options: CollectOptions = {}): { files: string[]; skipped: string[] } {
  const cwd = options.cwd ?? process.cwd();
  const excluded = new Set((options.exclude ?? []).filter((p) => existsSync(p)).map((p) => realpathSync(p)));
  const files: string[] = [];
  const skipped: string[] = [];
  for (const arg of args) {
    const abs = resolve(cwd, arg);
    let st;
    try {
      st = statSync(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new MergeInputError(arg, code === 'ENOENT' ? 'no such file or directory' : `cannot be read (${code ?? (err as Error).message})`);
    }
    if (!st.isDirectory()) {
      files.push(arg);
      continue;
    }
    const found = walk(abs).sort();
    const taken = found.filter((f) => !excluded.has(realpathSync(f)));
    skipped.push(...found.filter((f) => !taken.includes(f)).map((f) => shown(cwd, f)));
    if (taken.length === 0) {
      throw new MergeInputError(arg, found.length ? `the only ${AUDIT_FILE} in it is this merge's own output` : `no ${AUDIT_FILE} in this directory or below`);
    }
    files.push(...taken.map((f) => shown(cwd, f)));
  }
  return { files, skipped };
}

function shown(cwd: string, abs: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new MergeInputError(dir, `cannot be listed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith('.') && e.name !== 'node_modules') out.push(...walk(p));
    } else if (e.name === AUDIT_FILE && (e.isFile() || (e.isSymbolicLink() && isFile(p)))) {
      out.push(p);
    }
  }
  return out;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads one input: its audit.json, checked, and the junit.xml beside it when there is one whose test
 * counts agree with the report's. `notes` gets a sentence for a junit.xml that is missing or left out.
 */
export function readSource(file: string, options: { cwd?: string; notes?: string[] } = {}): MergeSource {
  const abs = resolve(options.cwd ?? process.cwd(), file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MergeInputError(file, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? (err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new MergeInputError(file, `not valid JSON (${(err as Error).message})`);
  }
  const report = checkAuditReport(parsed, file);
  return { file, report, records: readSiblingJunit(file, abs, report, options.notes) };
}

function readSiblingJunit(file: string, abs: string, report: AuditReport, notes: string[] | undefined): MergeSource['records'] {
  const junit = join(dirname(abs), JUNIT_FILE);
  const name = join(dirname(file), JUNIT_FILE);
  const total = report.tests.passed + report.tests.failed + report.tests.skipped;
  if (!existsSync(junit)) {
    if (total > 0) notes?.push(`no ${JUNIT_FILE} beside ${file}: its ${total} tests are counted, not listed`);
    return null;
  }
  try {
    const hosts = sourceHosts(report);
    const records = readJunitRecords(readFileSync(junit, 'utf8'), hosts.length === 1 ? (hosts[0]?.name ?? null) : null);
    const t = junitTotals(records);
    if (t.tests !== total || t.failures !== report.tests.failed || t.skipped !== report.tests.skipped) {
      notes?.push(
        `${name} does not belong to ${file} (${t.tests} tests, ${t.failures} failed, ${t.skipped} skipped against ` +
          `${total}, ${report.tests.failed}, ${report.tests.skipped}): left out`,
      );
      return null;
    }
    return records;
  } catch (err) {
    notes?.push(`${name} left out: ${(err as Error).message}`);
    return null;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const STATUSES = ['sealed', 'leak', 'error', 'skipped'];

/**
 * The value as an audit report, or a MergeInputError naming the file and the first thing wrong.
 * Checked: what every reporter reads. A result's other fields pass through as they are.
 */
export function checkAuditReport(value: unknown, file: string): AuditReport {
  const bad = (what: string): MergeInputError => new MergeInputError(file, what);
  if (!isObj(value)) throw bad(`not an audit report (a JSON ${Array.isArray(value) ? 'array' : typeof value})`);
  if (value.schema !== AUDIT_SCHEMA) {
    if (typeof value.schema === 'string' && value.schema.startsWith('fdaudit/audit@')) {
      throw bad(`schema ${value.schema} is another version of the report; this fdaudit reads ${AUDIT_SCHEMA}`);
    }
    throw bad(`not an audit report: schema is ${JSON.stringify(value.schema)}, expected "${AUDIT_SCHEMA}"`);
  }
  const host = checkHost(value.host, 'host', bad);
  let hosts: HostFacts[] | undefined;
  if (value.hosts !== undefined) {
    if (!Array.isArray(value.hosts) || value.hosts.length === 0) throw bad('hosts must be a non-empty array');
    hosts = value.hosts.map((h, i) => checkHost(h, `hosts[${i}]`, bad, true));
  }
  if (!Array.isArray(value.results)) throw bad('results must be an array');
  const names = hosts ? new Set(hosts.map((h) => h.name)) : null;
  value.results.forEach((r, i) => checkResult(r, `results[${i}]`, bad, names));
  const t = value.tests;
  if (!isObj(t) || !isCount(t.passed) || !isCount(t.failed) || !isCount(t.skipped)) {
    throw bad('tests must be { passed, failed, skipped } counts');
  }
  const merge = isObj(value.merge) && Array.isArray(value.merge.conflicts) ? value.merge : undefined;
  return {
    schema: AUDIT_SCHEMA,
    host,
    ...(hosts ? { hosts } : {}),
    results: value.results as AuditResult[],
    tests: { passed: t.passed, failed: t.failed, skipped: t.skipped },
    ...(merge ? { merge: merge as unknown as NonNullable<AuditReport['merge']> } : {}),
  };
}

function checkHost(v: unknown, where: string, bad: (w: string) => MergeInputError, named = false): HostFacts {
  if (!isObj(v)) throw bad(`${where} must be an object`);
  for (const k of ['kernel', 'node', 'libc'] as const) if (typeof v[k] !== 'string') throw bad(`${where}.${k} must be a string`);
  if (v.name !== undefined && (typeof v.name !== 'string' || v.name === '')) throw bad(`${where}.name must be a non-empty string`);
  if (named && v.name === undefined) throw bad(`${where}.name is missing`);
  return { ...(typeof v.name === 'string' ? { name: v.name } : {}), kernel: v.kernel as string, node: v.node as string, libc: v.libc as string };
}

function checkResult(v: unknown, where: string, bad: (w: string) => MergeInputError, hosts: Set<string | undefined> | null): void {
  if (!isObj(v)) throw bad(`${where} must be an object`);
  if (typeof v.launcher !== 'string' || v.launcher === '') throw bad(`${where}.launcher must be a non-empty string`);
  if (typeof v.kernel !== 'string' || v.kernel === '') throw bad(`${where}.kernel must be a non-empty string`);
  if (typeof v.status !== 'string' || !STATUSES.includes(v.status)) {
    throw bad(`${where}.status is ${JSON.stringify(v.status)}; expected ${STATUSES.join(', ')}`);
  }
  if (!Array.isArray(v.baits)) throw bad(`${where}.baits must be an array`);
  v.baits.forEach((b, i) => {
    // A kind refused where the run was made has no fd: it says skipped, and why.
    const skipped = isObj(b) && b.skipped === true && b.fd === null && typeof b.reason === 'string';
    const ok = isObj(b) && typeof b.kind === 'string' && (Number.isInteger(b.fd) || skipped) && (b.expected === 'absent' || b.expected === 'present') &&
      typeof b.crossed === 'boolean' && (b.childFd === null || b.childFd === undefined || Number.isInteger(b.childFd));
    if (!ok) throw bad(`${where}.baits[${i}] must have kind, fd (or skipped: true, fd: null and a reason), expected (absent or present), crossed and childFd`);
  });
  if (!Array.isArray(v.extraFds) || !v.extraFds.every((e) => isObj(e) && Number.isInteger(e.fd) && typeof e.target === 'string')) {
    throw bad(`${where}.extraFds must be an array of { fd, target, type }`);
  }
  const limit = (x: unknown): boolean => x === 'unlimited' || (typeof x === 'number' && x >= 0);
  if (v.rlimitNofile !== null && !(isObj(v.rlimitNofile) && limit(v.rlimitNofile.soft) && limit(v.rlimitNofile.hard))) {
    throw bad(`${where}.rlimitNofile must be null or { soft, hard }`);
  }
  const names = (x: unknown): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (v.signals !== null && !(isObj(v.signals) && names(v.signals.blocked) && names(v.signals.ignored))) {
    throw bad(`${where}.signals must be null or { blocked, ignored }`);
  }
  for (const k of ['closeStrategy', 'error'] as const) {
    if (v[k] !== null && typeof v[k] !== 'string') throw bad(`${where}.${k} must be a string or null`);
  }
  if (v.host !== undefined && typeof v.host !== 'string') throw bad(`${where}.host must be a string`);
  if (hosts) {
    if (v.host === undefined) throw bad(`${where}.host is missing (the report lists several hosts)`);
    if (!hosts.has(v.host as string)) throw bad(`${where}.host '${String(v.host)}' is not among hosts`);
  }
}

/** Reads every input; the first bad one throws. */
export function readSources(files: readonly string[], options: { cwd?: string; notes?: string[] } = {}): MergeSource[] {
  return files.map((f) => readSource(f, options));
}


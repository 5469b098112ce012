/**
 * Reading and validating `fdaudit/probe@1` reports. Everything a report
 * claims is checked before the audit relies on it: a report that is
 * truncated, not JSON, of another schema or with a field of the wrong shape
 * is refused with a ProbeReportError that names the problem and where it is.
 */
import { readFileSync } from 'node:fs';
import { FD_TYPES } from './types.ts';
import type { FdType, Limit, ProbeFd, ProbeReport } from './types.ts';

export const PROBE_SCHEMA = 'fdaudit/probe@1';

export type ProbeReportProblem =
  | 'unreadable' // the file could not be read
  | 'empty' // nothing at all
  | 'truncated' // JSON that stops before its end
  | 'garbage' // not JSON
  | 'schema' // JSON, but not an fdaudit/probe@1 report
  | 'missing' // a required field is absent
  | 'type' // a field has the wrong JSON type
  | 'value'; // a field has the right type but an impossible value

export class ProbeReportError extends Error {
  override name = 'ProbeReportError';
  /** What kind of problem. */
  readonly problem: ProbeReportProblem;
  /** Where the report came from (a path, "stdout of pid 42", ...). */
  readonly source: string;
  /** JSON path of the offending field, e.g. "fds[3].identity"; '' for the whole report. */
  readonly path: string;

  constructor(problem: ProbeReportProblem, source: string, path: string, detail: string, options?: { cause?: unknown }) {
    super(`probe report ${source}: ${path ? `${path}: ` : ''}${detail}`, options);
    this.problem = problem;
    this.source = source;
    this.path = path;
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/**
 * True when `text` is a JSON prefix that stops inside a string or an open
 * object/array: a report cut short (a killed probe, a short write), as
 * opposed to text that was never JSON.
 */
function looksTruncated(text: string): boolean {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth < 0) return false;
    }
  }
  return inString || depth > 0;
}

class Checker {
  constructor(private readonly source: string) {}

  fail(problem: ProbeReportProblem, path: string, detail: string): never {
    throw new ProbeReportError(problem, this.source, path, detail);
  }

  field(obj: { [k: string]: Json }, key: string, path: string): Json {
    if (!Object.hasOwn(obj, key)) this.fail('missing', path ? `${path}.${key}` : key, 'missing field');
    return obj[key] as Json;
  }

  object(v: Json, path: string): { [k: string]: Json } {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail('type', path, `expected an object, got ${describe(v)}`);
    return v;
  }

  array(v: Json, path: string): Json[] {
    if (!Array.isArray(v)) this.fail('type', path, `expected an array, got ${describe(v)}`);
    return v;
  }

  string(v: Json, path: string): string {
    if (typeof v !== 'string') this.fail('type', path, `expected a string, got ${describe(v)}`);
    return v;
  }

  matching(v: Json, path: string, re: RegExp, what: string): string {
    const s = this.string(v, path);
    if (!re.test(s)) this.fail('value', path, `expected ${what}, got ${describe(s)}`);
    return s;
  }

  integer(v: Json, path: string, min: number): number {
    if (typeof v !== 'number') this.fail('type', path, `expected an integer, got ${describe(v)}`);
    if (!Number.isSafeInteger(v) || v < min) this.fail('value', path, `expected an integer >= ${min}, got ${v}`);
    return v;
  }

  limit(v: Json, path: string): Limit {
    if (v === 'unlimited') return v;
    if (typeof v !== 'number') this.fail('type', path, `expected a number or "unlimited", got ${describe(v)}`);
    return this.integer(v, path, 0);
  }
}

const DEV = /^(\d+:\d+|unknown)$/;
const DECIMAL = /^(\d+|unknown)$/;
const POS = /^(-?\d+|unknown)$/;
const OCTAL = /^(0[0-7]*|unknown)$/;
const SIGNAL = /^SIG[A-Z0-9]+(\+\d+)?$/;
const UMASK = /^0[0-7]{3}$/;

function checkFd(c: Checker, v: Json, path: string): ProbeFd {
  const o = c.object(v, path);
  const type = c.string(c.field(o, 'type', path), `${path}.type`);
  if (!(FD_TYPES as readonly string[]).includes(type)) {
    c.fail('value', `${path}.type`, `expected one of ${FD_TYPES.join(' ')}, got ${describe(type)}`);
  }
  const identity = c.string(c.field(o, 'identity', path), `${path}.identity`);
  if (identity === '') c.fail('value', `${path}.identity`, 'expected a non-empty string');
  return {
    fd: c.integer(c.field(o, 'fd', path), `${path}.fd`, 0),
    target: c.string(c.field(o, 'target', path), `${path}.target`),
    type: type as FdType,
    dev: c.matching(c.field(o, 'dev', path), `${path}.dev`, DEV, '"major:minor"'),
    ino: c.matching(c.field(o, 'ino', path), `${path}.ino`, DECIMAL, 'a decimal string'),
    flags: c.matching(c.field(o, 'flags', path), `${path}.flags`, OCTAL, 'an octal string like "0100002"'),
    pos: c.matching(c.field(o, 'pos', path), `${path}.pos`, POS, 'a decimal string'),
    identity,
  };
}

function checkSignals(c: Checker, v: Json, path: string): string[] {
  return c.array(v, path).map((s, i) => c.matching(s, `${path}[${i}]`, SIGNAL, 'a signal name like "SIGUSR1" or "SIGRTMIN+3"'));
}

/**
 * Parses and validates a probe report. `source` names where the text came
 * from, for the error message. Unknown extra fields are allowed (a newer
 * probe may add some); every field of ProbeReport is required.
 */
export function parseProbeReport(text: string, source = 'text'): ProbeReport {
  if (typeof text !== 'string') throw new TypeError(`parseProbeReport(text): text must be a string, got ${typeof text}`);
  const c: Checker = new Checker(source);
  if (text.trim() === '') c.fail('empty', '', 'empty report (the probe wrote nothing)');
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (looksTruncated(text)) {
      throw new ProbeReportError('truncated', source, '', `truncated after ${text.length} bytes (${why})`, { cause: err });
    }
    throw new ProbeReportError('garbage', source, '', `not JSON (${why}); starts with ${JSON.stringify(text.slice(0, 40))}`, { cause: err });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    c.fail('schema', '', `expected a JSON object with schema "${PROBE_SCHEMA}", got ${describe(json)}`);
  }
  if (!Object.hasOwn(json, 'schema')) c.fail('schema', 'schema', `missing; expected "${PROBE_SCHEMA}"`);
  if (json.schema !== PROBE_SCHEMA) c.fail('schema', 'schema', `expected "${PROBE_SCHEMA}", got ${describe(json.schema)}`);

  const fdsJson = c.array(c.field(json, 'fds', ''), 'fds');
  const fds = fdsJson.map((f, i) => checkFd(c, f, `fds[${i}]`));
  const seen = new Set<number>();
  fds.forEach((f, i) => {
    if (seen.has(f.fd)) c.fail('value', `fds[${i}].fd`, `fd ${f.fd} is listed twice`);
    seen.add(f.fd);
  });

  const rl = c.object(c.field(json, 'rlimitNofile', ''), 'rlimitNofile');
  const sig = c.object(c.field(json, 'signals', ''), 'signals');
  return {
    schema: PROBE_SCHEMA,
    pid: c.integer(c.field(json, 'pid', ''), 'pid', 1),
    ppid: c.integer(c.field(json, 'ppid', ''), 'ppid', 0),
    fds,
    rlimitNofile: {
      soft: c.limit(c.field(rl, 'soft', 'rlimitNofile'), 'rlimitNofile.soft'),
      hard: c.limit(c.field(rl, 'hard', 'rlimitNofile'), 'rlimitNofile.hard'),
    },
    signals: {
      blocked: checkSignals(c, c.field(sig, 'blocked', 'signals'), 'signals.blocked'),
      ignored: checkSignals(c, c.field(sig, 'ignored', 'signals'), 'signals.ignored'),
    },
    cwd: c.string(c.field(json, 'cwd', ''), 'cwd'),
    umask: c.matching(c.field(json, 'umask', ''), 'umask', UMASK, 'four octal digits like "0022"'),
  };
}

/** Reads and validates a report file. The file is left in place: the caller owns it. */
export function readProbeReport(path: string): ProbeReport {
  if (typeof path !== 'string' || path === '') throw new TypeError('readProbeReport(path): path must be a non-empty string');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const detail = code === 'ENOENT' ? 'no report file (the probe did not run or did not write it)' : `cannot read the report file (${code})`;
    throw new ProbeReportError('unreadable', path, '', detail, { cause: err });
  }
  return parseProbeReport(text, path);
}

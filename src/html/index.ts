/**
 * `index.html`: one self-contained page with the audit matrix (from audit.json), the benchmark (bench.json
 * and its SVG charts) and the host facts, for whatever of those the directory holds.
 */
import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AuditReport } from '../audit/types.ts';
import type { BenchReport } from '../bench/types.ts';
import { parseTraceReport, TRACE_FILE } from '../report/trace-json.ts';
import type { TraceReport } from '../trace/types.ts';
import type { InlineChart } from './bench.ts';
import { renderPage } from './page.ts';

/** Charts in the order the page shows them. */
export const CHART_FILES = ['bench-memory.svg', 'bench-fds.svg', 'bench-personalities.svg'] as const;

type Loaded<T> = { value: T; problem: null } | { value: null; problem: string };

function readJson<T>(path: string, schema: string, check: (v: Record<string, unknown>) => boolean): Loaded<T> {
  if (!existsSync(path)) return { value: null, problem: `${path} does not exist` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return { value: null, problem: `${path} could not be read: ${(err as Error).message}` };
  }
  const obj = parsed as Record<string, unknown> | null;
  if (obj === null || typeof obj !== 'object' || obj.schema !== schema || !check(obj)) {
    return { value: null, problem: `${path} is not a ${schema} report` };
  }
  return { value: parsed as T, problem: null };
}

function isResult(r: unknown): boolean {
  const o = r as Record<string, unknown> | null;
  return o !== null && typeof o === 'object' && typeof o.launcher === 'string' && typeof o.kernel === 'string' &&
    typeof o.status === 'string' && Array.isArray(o.baits) && Array.isArray(o.extraFds);
}

/**
 * Several SVGs in one document share one id space: vega numbers its clip paths the same way in every
 * chart, so each chart's ids get a prefix of their own.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

function readCharts(dir: string): InlineChart[] {
  const charts: InlineChart[] = [];
  CHART_FILES.forEach((file, i) => {
    const p = join(dir, file);
    if (!existsSync(p)) return;
    const svg = readFileSync(p, 'utf8');
    // Only an <svg> element is inlined: anything else in the file stays out of the page.
    const start = svg.indexOf('<svg');
    const end = svg.lastIndexOf('</svg>');
    if (start < 0 || end < start) return;
    charts.push({ file, svg: scopeSvgIds(svg.slice(start, end + '</svg>'.length), `c${i}`) });
  });
  return charts;
}

/** trace.json of the directory, when there is one that reads as a trace report. */
function readTrace(dir: string): TraceReport | null {
  const path = join(dir, TRACE_FILE);
  if (!existsSync(path)) return null;
  const parsed = parseTraceReport(readFileSync(path, 'utf8'));
  return typeof parsed === 'string' ? null : parsed;
}

/**
 * Writes `index.html` into `outDir` from the audit.json, bench.json, trace.json and chart files found there (each
 * optional; what is missing is said on the page). Written under a temporary name and renamed, so a reader
 * never sees half a page. Returns the page's absolute path.
 */
export function writeHtmlReport(outDir: string): string {
  if (typeof outDir !== 'string' || outDir === '') throw new TypeError('report directory must be a non-empty string');
  const dir = resolve(outDir);
  if (!existsSync(dir)) throw new RangeError(`report directory ${dir} does not exist`);
  let audit = readJson<AuditReport>(join(dir, 'audit.json'), 'fdaudit/audit@1', (o) => Array.isArray(o.results) && o.results.every(isResult));
  const bench = readJson<BenchReport>(join(dir, 'bench.json'), 'fdaudit/bench@1', (o) => Array.isArray(o.rows));
  // A trace and an audit share junit.xml and summary.md: of trace.json and audit.json, the newer one is this run's.
  let trace = readTrace(dir);
  if (trace && audit.value) {
    const newer = (a: string, b: string): boolean => statSync(join(dir, a)).mtimeMs >= statSync(join(dir, b)).mtimeMs;
    if (newer(TRACE_FILE, 'audit.json')) {
      audit = { value: null, problem: 'audit.json is older than trace.json' };
    } else {
      trace = null;
    }
  }
  const html = renderPage({
    audit: audit.value,
    auditProblem: audit.problem,
    bench: bench.value,
    benchProblem: bench.problem,
    charts: bench.value ? readCharts(dir) : [],
    generatedAt: new Date(),
    trace,
  });
  const final = join(dir, 'index.html');
  const tmp = join(dir, `.index.html.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, html);
    renameSync(tmp, final);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* never created */
    }
    throw err;
  }
  return final;
}

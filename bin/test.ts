/**
 * `npm test`: every spec file of suites/unit and suites/audit in a process of its own, several at a
 * time, each with a private TMPDIR. After each file, whatever it left behind — children never reaped,
 * fds not closed, temp files, processes still running in its session — fails the run and names the
 * file. Skips are counted whichever way a test was skipped and listed with their reasons; `--strict`
 * (what .ci/run uses) fails on any skip that suites/skips.json does not list. Ends with the plain line
 * `N passed, N failed, N skipped`.
 *
 *   node --import tsx bin/test.ts [--quick] [--strict [--skips FILE]] [--files PATH…] [--jobs N] [--no-build]
 *                                 [--tests TITLE…] [--groups TITLE…] [--tags TAG…]
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import type { TestRecord } from '../src/report/types.ts';
import { selectSpecFiles, SPEC_ROOTS } from './test/discover.ts';
import { killAll, listTree, sessionProcesses, type StrayProcess } from './test/leftovers.ts';
import { FILE_RESULT_SCHEMA, type FileResult, type SpecFile } from './test/protocol.ts';
import { checkSkips, readAllowedSkips, SKIPS_FILE, type SkipRecord } from './test/skips.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FILE_ENTRY = fileURLToPath(new URL(`./test/file.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
/**
 * How long each file took last time (wall and CPU, ms), to start the longest first and to see where
 * the suite's time goes (generated; build/ is not committed).
 */
const TIMES_FILE = join(ROOT, 'build', 'test-times.json');

interface FileTimes {
  wallMs: number;
  cpuMs: number;
}
/** A file that has not finished by then is killed with everything it started. */
const FILE_TIMEOUT_MS = 15 * 60_000;

const { values: args } = parseArgs({
  allowNegative: true,
  options: {
    files: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    skips: { type: 'string', default: SKIPS_FILE },
    // dist/ is built first unless told not to (the test of this runner, whose specs need no CLI).
    build: { type: 'boolean', default: true },
    jobs: { type: 'string' },
    tests: { type: 'string', multiple: true },
    groups: { type: 'string', multiple: true },
    tags: { type: 'string', multiple: true },
  },
});

interface FileOutcome {
  file: SpecFile;
  durationMs: number;
  output: string;
  result: FileResult | null;
  /** Why the file's process gave no result (crash, signal, timeout). */
  crash: string | null;
  strays: StrayProcess[];
  tempLeft: string[];
}

function readTimes(): Record<string, FileTimes> {
  try {
    const data = JSON.parse(readFileSync(TIMES_FILE, 'utf8')) as Record<string, FileTimes | number>;
    // An entry of an older shape is no entry.
    return Object.fromEntries(Object.entries(data).filter((e): e is [string, FileTimes] => typeof e[1] === 'object'));
  } catch {
    return {};
  }
}

function japaFilters(): string[] {
  const out: string[] = [];
  for (const t of args.tests ?? []) out.push('--tests', t);
  for (const g of args.groups ?? []) out.push('--groups', g);
  for (const t of args.tags ?? []) out.push('--tags', t);
  return out;
}

/**
 * The TypeScript loader keeps its compile cache in $TMPDIR/tsx-UID. Every process of the run gets a
 * TMPDIR of its own, with that name linked to one cache that outlives the run (build/ is not committed).
 */
const loaderCache = `tsx-${process.geteuid?.() ?? 0}`;
const LOADER_CACHE_DIR = join(ROOT, 'build', 'loader-cache');

function linkLoaderCache(dir: string): string {
  const link = join(dir, loaderCache);
  symlinkSync(LOADER_CACHE_DIR, link);
  return link;
}

/** Removes the link made by linkLoaderCache (the runner's own file, not something a test left). */
function unlinkLoaderCache(link: string): void {
  if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink() && readlinkSync(link) === LOADER_CACHE_DIR) unlinkSync(link);
}

function typeScriptSources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    if (name.isDirectory()) typeScriptSources(p, out);
    else if (name.name.endsWith('.ts') && !name.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * Builds dist/ (tsc -p tsconfig.build.json), what the package runs: the command-line specs run the
 * compiled CLI, as users do, and it must be the one built from these sources.
 */
function buildDist(): Promise<string | null> {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  return new Promise((resolveBuild) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', (err) => resolveBuild(`tsc could not be started: ${err.message}`));
    child.on('close', (code) => resolveBuild(code === 0 ? null : `tsc -p tsconfig.build.json failed (${code}):\n${out}`));
  });
}

/** Compiles every TypeScript module of the repository into the loader cache once (bin/test/warm.ts). */
function warmLoaderCache(runDir: string): Promise<void> {
  const files = ['src', 'suites', 'bin'].flatMap((d) => typeScriptSources(join(ROOT, d)));
  const warm = fileURLToPath(new URL('./test/warm.ts', import.meta.url));
  return new Promise((resolveWarm) => {
    const child = spawn(process.execPath, [...process.execArgv, warm, ...files], {
      cwd: ROOT, env: { ...process.env, TMPDIR: runDir }, stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', () => resolveWarm());
    child.on('error', () => resolveWarm());
  });
}

function runFile(file: SpecFile, index: number, runDir: string): Promise<FileOutcome> {
  // Short: a unix socket path under it (a browser's, say) must fit in 108 bytes.
  const dir = join(runDir, String(index));
  mkdirSync(dir, { recursive: true });
  const cacheLink = linkLoaderCache(dir);
  const resultPath = join(runDir, 'results', `${index}.json`);
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: dir, ESBUILD_WORKER_THREADS: '0' };
  if (process.stdout.isTTY && env.NO_COLOR === undefined) env.FORCE_COLOR ??= '1';
  const started = performance.now();
  return new Promise((resolveOutcome) => {
    // A session of its own: whatever the file starts and leaves running is found by its session id.
    const child = spawn(process.execPath, [...process.execArgv, FILE_ENTRY, file.suite, file.path, resultPath, ...japaFilters()], {
      cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    const chunks: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (d: string) => chunks.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => chunks.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killAll(sessionProcesses(child.pid));
    }, FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const durationMs = performance.now() - started;
      const strays = child.pid !== undefined ? sessionProcesses(child.pid) : [];
      killAll(strays);
      let result: FileResult | null = null;
      try {
        const r = JSON.parse(readFileSync(resultPath, 'utf8')) as FileResult;
        if (r.schema === FILE_RESULT_SCHEMA) result = r;
      } catch {
        // reported as a crash below
      }
      let crash: string | null = null;
      if (timedOut) crash = `did not finish within ${FILE_TIMEOUT_MS / 60_000} min and was killed`;
      else if (!result) crash = `its process ${signal ? `was killed by ${signal}` : `exited with status ${code}`} before reporting`;
      // The loader cache link is the runner's own; anything else in the file's TMPDIR was left by the file.
      unlinkLoaderCache(cacheLink);
      const tempLeft = listTree(dir);
      rmSync(dir, { recursive: true, force: true });
      resolveOutcome({ file, durationMs, output: chunks.join(''), result, crash, strays, tempLeft });
    });
  });
}

function leftoverLines(o: FileOutcome): string[] {
  const lines: string[] = [];
  const r = o.result;
  for (const z of r?.zombies ?? []) lines.push(`child ${z.pid} exited and was never reaped (${z.command})`);
  for (const f of r?.fdsLeft ?? []) lines.push(`fd ${f.fd} left open (${f.target})`);
  for (const f of r?.fdsClosed ?? []) lines.push(`fd ${f.fd} of the test process was closed (${f.target})`);
  for (const p of o.strays) lines.push(`process ${p.pid} still running (${p.command}); killed`);
  for (const t of o.tempLeft) lines.push(`temp file left: ${t}`);
  return lines;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const files = selectSpecFiles(ROOT, args.files ?? [], args.quick);
  const skipsFile = args.skips ?? SKIPS_FILE;
  const allowed = args.strict ? readAllowedSkips(resolve(ROOT, skipsFile)) : [];
  const jobs = args.jobs !== undefined ? Number(args.jobs) : availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a positive integer, got '${args.jobs}'`);

  const runDir = mkdtempSync(join(tmpdir(), 'fdaudit-test-'));
  // Traversable, not listable: a test that runs a step as an unprivileged user (root reads any file,
  // so EACCES needs another user) can reach a folder of its own below it.
  chmodSync(runDir, 0o711);
  mkdirSync(join(runDir, 'results'));
  mkdirSync(LOADER_CACHE_DIR, { recursive: true });
  const runCacheLink = linkLoaderCache(runDir);
  const [buildError] = await Promise.all([args.build ? buildDist() : null, import.meta.url.endsWith('.ts') ? warmLoaderCache(runDir) : null]);
  if (buildError) throw new Error(buildError);
  const times = readTimes();
  // Longest first (files without a time yet count as long), so the last ones to finish are short.
  const expected = (f: SpecFile): number => times[f.path]?.wallMs ?? 30_000;
  const queue = files.map((f, i) => ({ f, i })).sort((a, b) => expected(b.f) - expected(a.f));
  const started = performance.now();
  const outcomes: FileOutcome[] = [];

  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const o = await runFile(next.f, next.i, runDir);
      outcomes.push(o);
      process.stdout.write(`\n${pc.bold(`■ ${o.file.path}`)} ${pc.dim(seconds(o.durationMs))}\n${o.output.replace(/^\n+/, '')}`);
      if (o.crash) process.stdout.write(`${pc.red(`  ✖ ${o.file.path}: ${o.crash}`)}\n`);
      if (o.result?.runError) process.stdout.write(`${pc.red(`  ✖ ${o.result.runError}`)}\n`);
      for (const line of leftoverLines(o)) process.stdout.write(`${pc.red(`  ✖ leftover: ${line}`)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
  const wallMs = performance.now() - started;
  unlinkLoaderCache(runCacheLink);
  rmSync(runDir, { recursive: true, force: true });

  // Tally: every test record once; a crash, an error outside the tests, or leftovers fail the file.
  let passed = 0;
  let failed = 0;
  const skips: SkipRecord[] = [];
  const fileFailures: string[] = [];
  for (const o of outcomes) {
    const records: TestRecord[] = o.result?.records ?? [];
    for (const r of records) {
      if (r.status === 'passed') passed++;
      else if (r.status === 'failed') failed++;
      else skips.push({ file: o.file.path, test: r.name, reason: r.message ?? 'skipped' });
    }
    const problems = [o.crash, o.result?.runError ?? null].filter((p): p is string => p !== null);
    const left = leftoverLines(o);
    if (left.length) problems.push(`left behind: ${left.join('; ')}`);
    if (problems.length) {
      failed++;
      fileFailures.push(`${o.file.path}: ${problems.join('; ')}`);
    }
  }

  const out: string[] = [];
  if (skips.length) {
    out.push(pc.yellow(`\nskipped (${skips.length}):`));
    for (const s of skips) out.push(`  ${s.file} › ${s.test}\n    ${pc.dim(s.reason)}`);
  }
  if (args.strict) {
    const { unlisted, unused } = checkSkips(skips, allowed);
    if (unlisted.length) {
      out.push(pc.red(`\nstrict: ${unlisted.length} skip(s) not listed in ${skipsFile}:`));
      for (const s of unlisted) out.push(`  ${s.file} › ${s.test} (${s.reason})`);
      failed += unlisted.length;
    }
    // An entry nothing matched is stale or for another machine: worth a look, not a failure.
    if (unused.length && files.length === selectSpecFiles(ROOT, [], false).length) {
      out.push(pc.dim(`\n${skipsFile}: ${unused.length} entr${unused.length === 1 ? 'y' : 'ies'} matched no skip of this run:`));
      for (const a of unused) out.push(pc.dim(`  ${a.file} › ${a.test}`));
    }
  }
  if (fileFailures.length) {
    out.push(pc.red(`\nfiles that failed outside their tests (${fileFailures.length}):`));
    for (const f of fileFailures) out.push(`  ${f}`);
  }
  const slowest = [...outcomes].sort((a, b) => b.durationMs - a.durationMs).slice(0, 5);
  const cpu = (o: FileOutcome): number => o.result?.cpuMs ?? 0;
  const busiest = [...outcomes].sort((a, b) => cpu(b) - cpu(a)).slice(0, 5);
  const totalCpu = outcomes.reduce((n, o) => n + cpu(o), 0);
  out.push(pc.dim(`\n${outcomes.length} files in ${seconds(wallMs)} with ${Math.min(jobs, files.length)} jobs, ${seconds(totalCpu)} of CPU in the files' processes and what they reaped`));
  out.push(pc.dim(`slowest: ${slowest.map((o) => `${o.file.path} ${seconds(o.durationMs)}`).join(', ')}`));
  out.push(pc.dim(`most CPU: ${busiest.map((o) => `${o.file.path} ${seconds(cpu(o))}`).join(', ')}`));
  process.stdout.write(`${out.join('\n')}\n`);

  const newTimes = { ...times };
  for (const o of outcomes) {
    if (SPEC_ROOTS.some((r) => o.file.path.startsWith(`${r}/`))) newTimes[o.file.path] = { wallMs: Math.round(o.durationMs), cpuMs: cpu(o) };
  }
  if (existsSync(join(ROOT, 'build'))) writeFileSync(TIMES_FILE, `${JSON.stringify(newTimes, null, 1)}\n`);

  const skipped = skips.length - (args.strict ? checkSkips(skips, allowed).unlisted.length : 0);
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`npm test: ${err instanceof Error ? err.message : String(err)}`);
    console.log('\n0 passed, 1 failed, 0 skipped');
    process.exit(1);
  },
);

/**
 * `npm test`: every spec file of suites/unit and suites/audit, in jobs — processes running one heavy
 * file, or a few light ones in a row (bin/test/plan.ts) — several at a time, each file with a private
 * TMPDIR. When a file ends, whatever it left behind — children never reaped, fds not closed, temp
 * files, processes still running in its job's session — fails the run and names the file. Skips are
 * counted whichever way a test was skipped and listed with their reasons; `--strict` (what .ci/run
 * uses) fails on any skip that suites/skips.json does not list. Ends with the plain line
 * `N passed, N failed, N skipped`.
 *
 *   node --import tsx bin/test.ts [--quick] [--strict [--skips FILE]] [--files PATH…] [--jobs N] [--no-build] [--no-warm]
 *                                 [--tests TITLE…] [--groups TITLE…] [--tags TAG…]
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { selectSpecFiles, SPEC_ROOTS } from './test/discover.ts';
import { killAll, listTree, sessionProcesses } from './test/leftovers.ts';
import { linkLoaderCache, unlinkLoaderCache } from './test/loader-cache.ts';
import { planJobs, type FileTimes, type Job } from './test/plan.ts';
import { JOB_RESULT_SCHEMA, type FileReport, type JobResult, type StrayProcess } from './test/protocol.ts';
import { checkSkips, readAllowedSkips, SKIPS_FILE, type SkipRecord } from './test/skips.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const JOB_ENTRY = fileURLToPath(new URL(`./test/job.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
/**
 * How long each file took last time (wall and CPU, ms), to plan the jobs and to see where the suite's
 * time goes (generated; build/ is not committed).
 */
const TIMES_FILE = join(ROOT, 'build', 'test-times.json');
/** A job that has not finished by then is killed with everything it started. */
const JOB_TIMEOUT_MS = 15 * 60_000;

const { values: args } = parseArgs({
  allowNegative: true,
  options: {
    files: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    skips: { type: 'string', default: SKIPS_FILE },
    // dist/ is built and the loader cache filled first unless told not to (the test of this runner,
    // whose spec files need no CLI and run in a tree whose cache is warm already).
    build: { type: 'boolean', default: true },
    warm: { type: 'boolean', default: true },
    jobs: { type: 'string' },
    tests: { type: 'string', multiple: true },
    groups: { type: 'string', multiple: true },
    tags: { type: 'string', multiple: true },
  },
});

interface JobOutcome {
  job: Job;
  output: string;
  /** Every file of the job; a file the job never reported on has an empty report. */
  files: FileReport[];
  /** What fails the job as a whole: a crash, an error outside the tests, leftovers after it exited. */
  problems: string[];
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

/** The loader cache every TMPDIR of the run links to (bin/test/loader-cache.ts; build/ is not committed). */
const LOADER_CACHE_DIR = join(ROOT, 'build', 'loader-cache');

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

const emptyReport = (path: string): FileReport =>
  ({ path, records: [], zombies: [], fdsLeft: [], fdsClosed: [], tempLeft: [], strays: [], wallMs: 0, cpuMs: 0 });

function runJob(job: Job, index: number, runDir: string): Promise<JobOutcome> {
  // Short: a unix socket path under it (a browser's, say) must fit in 108 bytes.
  const dir = join(runDir, String(index));
  mkdirSync(dir, { recursive: true });
  const cacheLink = linkLoaderCache(dir, LOADER_CACHE_DIR);
  const resultPath = join(runDir, 'results', `${index}.json`);
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: dir, ESBUILD_WORKER_THREADS: '0', FDAUDIT_TEST_LOADER_CACHE: LOADER_CACHE_DIR };
  if (process.stdout.isTTY && env.NO_COLOR === undefined) env.FORCE_COLOR ??= '1';
  const filters = japaFilters();
  const argv = [...process.execArgv, JOB_ENTRY, resultPath, job.suite, ...job.files.map((f) => f.path), ...(filters.length ? ['--', ...filters] : [])];
  return new Promise((resolveOutcome) => {
    // A session of its own: whatever its files start and leave running is found by the session id.
    const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const chunks: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (d: string) => chunks.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => chunks.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killAll(sessionProcesses(child.pid));
    }, JOB_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const problems: string[] = [];
      let result: JobResult | null = null;
      try {
        const r = JSON.parse(readFileSync(resultPath, 'utf8')) as JobResult;
        if (r.schema === JOB_RESULT_SCHEMA) result = r;
      } catch {
        // reported below
      }
      if (timedOut) problems.push(`did not finish within ${JOB_TIMEOUT_MS / 60_000} min and was killed`);
      else if (!result) problems.push(`its process ${signal ? `was killed by ${signal}` : `exited with status ${code}`} before reporting`);
      if (result?.runError) problems.push(result.runError);
      // After the job: what still runs in its session, and what is left in its TMPDIR outside every file's folder.
      const strays: StrayProcess[] = child.pid !== undefined ? sessionProcesses(child.pid) : [];
      killAll(strays);
      for (const p of strays) problems.push(`process ${p.pid} still running after the job (${p.command}); killed`);
      unlinkLoaderCache(cacheLink, LOADER_CACHE_DIR);
      for (const t of listTree(dir)) problems.push(`temp file left outside any file's folder: ${t}`);
      rmSync(dir, { recursive: true, force: true });
      const files = job.files.map((f) => result?.files.find((r) => r.path === f.path) ?? emptyReport(f.path));
      resolveOutcome({ job, output: chunks.join(''), files, problems });
    });
  });
}

function leftoverLines(r: FileReport): string[] {
  const lines: string[] = [];
  for (const z of r.zombies) lines.push(`child ${z.pid} exited and was never reaped (${z.command})`);
  for (const f of r.fdsLeft) lines.push(`fd ${f.fd} left open (${f.target})`);
  for (const f of r.fdsClosed) lines.push(`fd ${f.fd} of the test process was closed (${f.target})`);
  for (const p of r.strays) lines.push(`process ${p.pid} still running (${p.command}); killed`);
  for (const t of r.tempLeft) lines.push(`temp file left: ${t}`);
  return lines;
}

const jobName = (job: Job): string => (job.files.length === 1 ? (job.files[0]?.path ?? '') : `the job of ${job.files.map((f) => f.path).join(', ')}`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const files = selectSpecFiles(ROOT, args.files ?? [], args.quick);
  const skipsFile = args.skips ?? SKIPS_FILE;
  const allowed = args.strict ? readAllowedSkips(resolve(ROOT, skipsFile)) : [];
  const parallel = args.jobs !== undefined ? Number(args.jobs) : availableParallelism();
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--jobs must be a positive integer, got '${args.jobs}'`);

  const runDir = mkdtempSync(join(tmpdir(), 'fdaudit-test-'));
  // Traversable, not listable: a test that runs a step as an unprivileged user (root reads any file,
  // so EACCES needs another user) can reach a folder of its own below it.
  chmodSync(runDir, 0o711);
  mkdirSync(join(runDir, 'results'));
  mkdirSync(LOADER_CACHE_DIR, { recursive: true });
  const runCacheLink = linkLoaderCache(runDir, LOADER_CACHE_DIR);
  const [buildError] = await Promise.all([args.build ? buildDist() : null, args.warm && import.meta.url.endsWith('.ts') ? warmLoaderCache(runDir) : null]);
  if (buildError) throw new Error(buildError);

  const times = readTimes();
  const queue = planJobs(files, times).map((job, i) => ({ job, i }));
  const jobCount = queue.length;
  const started = performance.now();
  const outcomes: JobOutcome[] = [];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const o = await runJob(next.job, next.i, runDir);
      outcomes.push(o);
      const lines: string[] = [o.output.replace(/^\n*/, '\n')];
      for (const f of o.files) for (const l of leftoverLines(f)) lines.push(pc.red(`  ✖ leftover of ${f.path}: ${l}\n`));
      for (const p of o.problems) lines.push(pc.red(`  ✖ ${jobName(o.job)}: ${p}\n`));
      process.stdout.write(lines.join(''));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobCount) }, worker));
  const wallMs = performance.now() - started;
  unlinkLoaderCache(runCacheLink, LOADER_CACHE_DIR);
  rmSync(runDir, { recursive: true, force: true });

  // Tally: every test record once; leftovers fail their file, a job's own problems the job.
  let passed = 0;
  let failed = 0;
  const skips: SkipRecord[] = [];
  const failures: string[] = [];
  const reports = outcomes.flatMap((o) => o.files);
  for (const o of outcomes) {
    for (const r of o.files) {
      for (const rec of r.records) {
        if (rec.status === 'passed') passed++;
        else if (rec.status === 'failed') failed++;
        else skips.push({ file: r.path, test: rec.name, reason: rec.message ?? 'skipped' });
      }
      const left = leftoverLines(r);
      if (left.length) {
        failed++;
        failures.push(`${r.path}: left behind: ${left.join('; ')}`);
      }
    }
    if (o.problems.length) {
      failed++;
      failures.push(`${jobName(o.job)}: ${o.problems.join('; ')}`);
    }
  }

  const out: string[] = [];
  if (skips.length) {
    out.push(pc.yellow(`\nskipped (${skips.length}):`));
    for (const s of skips) out.push(`  ${s.file} › ${s.test}\n    ${pc.dim(s.reason)}`);
  }
  const { unlisted, unused } = checkSkips(skips, allowed);
  if (args.strict) {
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
  if (failures.length) {
    out.push(pc.red(`\nleftovers and failures outside the tests (${failures.length}):`));
    for (const f of failures) out.push(`  ${f}`);
  }
  const slowest = [...reports].sort((a, b) => b.wallMs - a.wallMs).slice(0, 5);
  const busiest = [...reports].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 5);
  const totalCpu = reports.reduce((n, r) => n + r.cpuMs, 0);
  out.push(pc.dim(`\n${reports.length} files in ${jobCount} processes, ${seconds(wallMs)} with ${Math.min(parallel, jobCount)} at a time; ${seconds(totalCpu)} of CPU in the files and what they reaped`));
  out.push(pc.dim(`slowest: ${slowest.map((r) => `${r.path} ${seconds(r.wallMs)}`).join(', ')}`));
  out.push(pc.dim(`most CPU: ${busiest.map((r) => `${r.path} ${seconds(r.cpuMs)}`).join(', ')}`));
  process.stdout.write(`${out.join('\n')}\n`);

  const newTimes = { ...times };
  for (const r of reports) {
    if (r.wallMs > 0 && SPEC_ROOTS.some((root) => r.path.startsWith(`${root}/`))) newTimes[r.path] = { wallMs: r.wallMs, cpuMs: r.cpuMs };
  }
  if (existsSync(join(ROOT, 'build'))) writeFileSync(TIMES_FILE, `${JSON.stringify(newTimes, null, 1)}\n`);

  const skipped = skips.length - (args.strict ? unlisted.length : 0);
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

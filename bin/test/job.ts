/**
 * One job of `npm test`: a process running one spec file, or a few light ones in a row, in one japa
 * run (bin/test.ts starts several jobs at a time). Each file gets a TMPDIR of its own and is checked
 * when it ends, before the next one begins: children never reaped, fds left open or closed, files
 * left in its TMPDIR, processes of this session it started and left running. The records and those
 * findings are written, per file, to RESULT_PATH.
 *
 *   node --import tsx bin/test/job.ts RESULT_PATH unit|audit FILE… [-- japa filters…]
 *
 * The job's own TMPDIR (given by the parent) holds the files' folders; what is left there outside
 * them, and what still runs in the session after the job has exited, the parent checks.
 */
import { assert } from '@japa/assert';
import { configure, processCLIArgs, run } from '@japa/runner';
import type { PluginFn } from '@japa/runner/types';
import { mkdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openFds, zombieChildren } from '../../src/native/fdops.ts';
import { readProcStat } from '../../src/native/procstat.ts';
import { cloexecInheritedFds } from '../../src/orchestrate/hygiene.ts';
import type { TestRecord } from '../../src/report/types.ts';
import { killAll, listTree, sessionProcesses } from './leftovers.ts';
import { JOB_RESULT_SCHEMA, SUITE_TIMEOUT_MS, type FileReport, type JobResult, type OpenFd, type SpecFile, type StrayProcess } from './protocol.ts';
import { linkLoaderCache, unlinkLoaderCache } from './loader-cache.ts';
import { lineReporter } from './reporter.ts';

/** The run's TypeScript loader cache, which every file's TMPDIR links to (bin/test.ts). */
const LOADER_CACHE = process.env.FDAUDIT_TEST_LOADER_CACHE ?? '';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function fdTable(): OpenFd[] {
  const out: OpenFd[] = [];
  for (const fd of openFds()) {
    try {
      out.push({ fd, target: readlinkSync(`/proc/self/fd/${fd}`) });
    } catch {
      // closed between the listing and the readlink
    }
  }
  return out;
}

/**
 * Calls `probe` until `done` says its value is settled, or `tries` calls have been made `ms` apart;
 * returns the last value.
 */
async function settled<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, tries = 50, ms = 20): Promise<T> {
  let value = await probe();
  for (let i = 1; i < tries && !done(value); i++) {
    await sleep(ms);
    value = await probe();
  }
  return value;
}

/** Where the loader cache really is (the links point there), or null without one. */
const LOADER_CACHE_REAL: string | null = (() => {
  try {
    return LOADER_CACHE ? realpathSync(LOADER_CACHE) : null;
  } catch {
    return null;
  }
})();

/**
 * The fd table once the loader is done with its cache: it writes compiled files there and tidies the
 * folder on a thread of its own after an import has returned, each time with an fd open for a moment.
 */
function settledFdTable(): Promise<OpenFd[]> {
  const cache = LOADER_CACHE_REAL;
  if (cache === null) return Promise.resolve(fdTable());
  return settled(fdTable, (table) => !table.some((f) => f.target.startsWith(cache)), 100, 10);
}

/** A zombie has no command line left: its name from stat is what there is. */
function commandName(pid: number): string {
  return readProcStat(pid)?.comm ?? '?';
}

/**
 * CPU time of this process and of the children it has reaped (utime, stime, cutime, cstime of
 * /proc/self/stat, in clock ticks of 1/100 s on Linux).
 */
function cpuMs(): number {
  const f = readProcStat('self')?.fields ?? [];
  // utime, stime, cutime, cstime: fields 14-17 of proc(5).
  return [11, 12, 13, 14].reduce((n, i) => n + Number(f[i] ?? 0), 0) * 10;
}

/**
 * The TypeScript loader starts its compiler service (a child process, with two pipes) the first time
 * it compiles something that is not in its cache, such as a spec file a test writes. Started here,
 * before any file begins, its pipes and its process are part of every file's baseline instead of
 * turning up as some file's leftovers. A module with content of its own is never in the cache.
 */
async function startLoaderService(dir: string): Promise<void> {
  const path = join(dir, `loader-start-${process.pid}.mts`);
  writeFileSync(path, `export const started: number = ${Date.now()};\n`);
  try {
    await import(pathToFileURL(path).href);
  } finally {
    rmSync(path, { force: true });
  }
}

interface OpenFile {
  report: FileReport;
  dir: string;
  /** The loader cache link in dir, if the run has a cache. */
  link: string | null;
  fds: OpenFd[];
  /** Zombies already there when the file began (an earlier file's, reported there). */
  zombies: Set<number>;
  session: Set<number>;
  startedAt: number;
  cpuAt: number;
}

/** The files of the job, each checked for leftovers from the moment its first group starts to the next file's. */
class FileChecks {
  readonly reports: FileReport[];
  private current: OpenFile | null = null;
  private next = 0;

  constructor(
    private readonly jobDir: string,
    private readonly root: string,
    files: readonly string[],
  ) {
    this.reports = files.map((path) => ({ path, records: [], zombies: [], fdsLeft: [], fdsClosed: [], tempLeft: [], strays: [], wallMs: 0, cpuMs: 0 }));
  }

  private reportFor(fileName: string): FileReport | undefined {
    return this.reports.find((r) => fileName === r.path || fileName === join(this.root, r.path));
  }

  /** Called before every group: a group of another file ends the current file and begins its own. */
  async enter(fileName: string): Promise<void> {
    const report = this.reportFor(fileName);
    if (!report || this.current?.report === report) return;
    await this.leave();
    const dir = join(this.jobDir, String(this.next++));
    mkdirSync(dir);
    const link = LOADER_CACHE ? linkLoaderCache(dir, LOADER_CACHE) : null;
    process.env.TMPDIR = dir;
    this.current = {
      report, dir, link,
      fds: await settledFdTable(),
      zombies: new Set(zombieChildren()),
      session: new Set(sessionProcesses(process.pid).map((p) => p.pid)),
      startedAt: performance.now(),
      cpuAt: cpuMs(),
    };
  }

  /** Ends the current file: what it left behind goes into its report, and is cleaned up. */
  async leave(): Promise<void> {
    const f = this.current;
    if (!f) return;
    this.current = null;
    const r = f.report;
    r.wallMs = Math.round(performance.now() - f.startedAt);
    const none = (list: readonly unknown[]): boolean => list.length === 0;
    r.zombies = (await settled(() => zombieChildren().filter((pid) => !f.zombies.has(pid)), none)).map((pid) => ({ pid, command: commandName(pid) }));
    const strays: StrayProcess[] = await settled(() => sessionProcesses(process.pid).filter((p) => !f.session.has(p.pid)), none);
    killAll(strays);
    r.strays = strays;
    // An fd closed through the event loop (a pidfd's watcher, say) is gone a turn or two after the
    // test that used it: the difference has to persist to count.
    const key = (x: OpenFd): string => `${x.fd} ${x.target}`;
    const had = new Set(f.fds.map(key));
    const diff = async (): Promise<{ left: OpenFd[]; closed: OpenFd[] }> => {
      const after = await settledFdTable();
      const has = new Set(after.map(key));
      return { left: after.filter((x) => !had.has(key(x))), closed: f.fds.filter((x) => !has.has(key(x))) };
    };
    const d = await settled(diff, (x) => none(x.left) && none(x.closed));
    r.fdsLeft = d.left;
    r.fdsClosed = d.closed;
    // The loader cache link is the runner's own; anything else in the folder the file left.
    if (f.link) unlinkLoaderCache(f.link, LOADER_CACHE);
    r.tempLeft = listTree(f.dir);
    rmSync(f.dir, { recursive: true, force: true });
    process.env.TMPDIR = this.jobDir;
    r.cpuMs = cpuMs() - f.cpuAt;
  }

  /** The japa plugin: a setup hook on every group, registered before the group's own hooks. */
  plugin(): PluginFn {
    return ({ runner }) => {
      runner.onSuite((suite) => {
        suite.onGroup((group) => {
          group.setup(() => this.enter(String(group.options.meta.fileName ?? '')));
        });
      });
    };
  }
}

async function main(argv: string[]): Promise<void> {
  const dash = argv.indexOf('--');
  const [resultPath, suite, ...files] = dash < 0 ? argv : argv.slice(0, dash);
  const filters = dash < 0 ? [] : argv.slice(dash + 1);
  if (!resultPath || (suite !== 'unit' && suite !== 'audit') || files.length === 0) {
    throw new Error('usage: job.ts RESULT_PATH unit|audit FILE… [-- japa filters…]');
  }
  const jobDir = process.env.TMPDIR ?? '';
  if (!jobDir) throw new Error('job.ts: TMPDIR must name the job\'s own folder');
  // Fds this process inherited are the run's, not the specs' findings.
  cloexecInheritedFds();
  if (import.meta.url.endsWith('.ts')) await startLoaderService(jobDir);

  const root = process.cwd();
  const checks = new FileChecks(jobDir, root, files);
  const records: TestRecord[] = [];
  processCLIArgs(filters);
  configure({
    suites: [{ name: suite, files: [...files], timeout: SUITE_TIMEOUT_MS[suite as SpecFile['suite']] }],
    plugins: [assert(), checks.plugin()],
    reporters: { activated: ['fdaudit-test-lines'], list: [lineReporter(records, root)] },
    forceExit: false,
  });
  await run();
  // japa sets exit code 1 for failed tests too; only a failure outside every test needs a word of its own.
  const failedOutside = process.exitCode === 1 && !records.some((r) => r.status === 'failed');
  process.exitCode = 0;
  await checks.leave();

  for (const rec of records) {
    const report = checks.reports.find((r) => r.path === rec.file) ?? checks.reports[0];
    report?.records.push(rec);
  }
  const result: JobResult = {
    schema: JOB_RESULT_SCHEMA,
    files: checks.reports,
    runError: failedOutside ? 'the job failed outside any test (a file that does not load, or a hook or an unhandled error failed; see above)' : null,
  };
  writeFileSync(resultPath, JSON.stringify(result));
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

/**
 * One spec file of `npm test`, in a process of its own (bin/test.ts starts one per file, several at a
 * time): japa with the line reporter and the records collector, then what the file left behind in this
 * process — children never reaped, fds not closed — written with the records to RESULT_PATH.
 *
 *   node --import tsx bin/test/file.ts SUITE FILE RESULT_PATH [japa filters…]
 *
 * The process runs with a TMPDIR of its own; the parent checks it after the process has gone.
 */
import { assert } from '@japa/assert';
import { configure, processCLIArgs, run } from '@japa/runner';
import { readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openFds, zombieChildren } from '../../src/native/fdops.ts';
import { cloexecInheritedFds } from '../../src/orchestrate/hygiene.ts';
import type { TestRecord } from '../../src/report/types.ts';
import { recordsReporter } from '../../src/runner/collector.ts';
import { FILE_RESULT_SCHEMA, SUITE_TIMEOUT_MS, type FileResult, type OpenFd, type SpecFile } from './protocol.ts';
import { lineReporter } from './reporter.ts';

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

/** A zombie has no command line left: its name from stat is what there is. */
function command(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  } catch {
    return '?';
  }
}

/**
 * The TypeScript loader starts its compiler service (a child process, with two pipes) the first time
 * it compiles something that is not in its cache. Started here, before the fd table is noted, its
 * pipes are part of the baseline instead of turning up as the spec's leftovers whenever the cache
 * happens to be cold. A file with content of its own is never in the cache.
 */
async function startLoaderService(): Promise<void> {
  // .mts: an ES module wherever it sits, so it goes through the loader's ES module path (the service).
  const path = join(tmpdir(), `loader-start-${process.pid}.mts`);
  writeFileSync(path, `export const started: number = ${Date.now()};\n`);
  try {
    await import(pathToFileURL(path).href);
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * The fd table once the loader is done with its cache: it writes compiled files there and tidies the
 * folder on a thread of its own after an import has returned, each time with an fd open for a moment.
 */
async function settledFdTable(): Promise<OpenFd[]> {
  let cache: string | null = null;
  try {
    cache = realpathSync(join(tmpdir(), `tsx-${process.geteuid?.() ?? 0}`));
  } catch {
    // no loader cache: nothing to wait for
  }
  let table = fdTable();
  for (let i = 0; i < 100 && cache !== null && table.some((f) => f.target.startsWith(cache)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    table = fdTable();
  }
  return table;
}

/**
 * CPU time of this process and of the children it has reaped (utime, stime, cutime, cstime of
 * /proc/self/stat, in clock ticks of 1/100 s on Linux).
 */
function cpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime is field 14 of proc(5); f[0] is field 3.
  const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(f[i]), 0);
  return ticks * 10;
}

/** Waits briefly for children whose exit is already on its way to the event loop, then lists the rest. */
async function unreapedChildren(): Promise<number[]> {
  for (let i = 0; i < 50; i++) {
    const zombies = zombieChildren();
    if (zombies.length === 0) return zombies;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return zombieChildren();
}

async function main(argv: string[]): Promise<void> {
  const [suite, file, resultPath, ...filters] = argv;
  if ((suite !== 'unit' && suite !== 'audit') || !file || !resultPath) {
    throw new Error('usage: file.ts unit|audit FILE RESULT_PATH [japa filters…]');
  }
  // Fds this process inherited are the run's, not the spec's findings.
  cloexecInheritedFds();
  if (import.meta.url.endsWith('.ts')) await startLoaderService();
  const before = await settledFdTable();

  const records: TestRecord[] = [];
  processCLIArgs(filters);
  configure({
    suites: [{ name: suite, files: [file], timeout: SUITE_TIMEOUT_MS[suite as SpecFile['suite']] }],
    plugins: [assert()],
    reporters: { activated: ['fdaudit-test-lines', 'fdaudit-records'], list: [lineReporter(), recordsReporter(records)] },
    forceExit: false,
  });
  await run();
  // japa sets exit code 1 for failed tests too; only a failure outside every test needs a word of its own.
  const failedOutside = process.exitCode === 1 && !records.some((r) => r.status === 'failed');
  process.exitCode = 0;

  const zombies = (await unreapedChildren()).map((pid) => ({ pid, command: command(pid) }));
  const after = await settledFdTable();
  const key = (f: OpenFd): string => `${f.fd} ${f.target}`;
  const had = new Set(before.map(key));
  const has = new Set(after.map(key));
  const result: FileResult = {
    schema: FILE_RESULT_SCHEMA,
    records,
    zombies,
    fdsLeft: after.filter((f) => !had.has(key(f))),
    fdsClosed: before.filter((f) => !has.has(key(f))),
    cpuMs: cpuMs(),
    runError: failedOutside ? 'the file failed outside any test (it does not load, or a hook or an unhandled error failed; see above)' : null,
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

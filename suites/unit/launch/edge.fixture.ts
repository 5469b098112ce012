/**
 * Subprocess half of the launcher's edge-case specs (kill.spec.ts, sigchld.spec.ts, opath.spec.ts):
 * arranges this process as the job says (fds 0-2 closed, SIGCHLD ignored, O_PATH baits), runs the
 * launches (sync or async, the core or a variant), and writes what happened to each, plus what was
 * left behind, to OUT_PATH. Meant to run under fdaudit-fault and fdaudit-kernel.
 *
 *   node --import tsx edge.fixture.ts JOB_JSON OUT_PATH
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { errnoName } from '../../../src/launch/error.ts';
import { launch, LaunchError, launchSync } from '../../../src/launch/index.ts';
import { launchVariant, launchVariantSync } from '../../../src/launch/variants.ts';
import { binding } from '../../../src/launch/binding.ts';
import type { ExitStatus, LaunchOptions, LaunchStep } from '../../../src/launch/types.ts';
import { validate } from '../../../src/launch/validate.ts';
import { signalName } from '../../../src/native/signals.ts';
import { applySignalState, close, dupAbove, dupTo, isOpen, open, openFds, pipe, setRlimitNofile, signalDisposition, zombieChildren } from '../../../src/native/fdops.ts';
import { nativePath } from '../../../src/native/paths.ts';
import type { Seen } from './helpers.ts';

export interface EdgeLaunch {
  /** Default: fdaudit-fdlist writing what it inherited (then `seen` is filled in). */
  file?: string;
  args?: string[];
  options?: LaunchOptions;
  /** A launcher variant instead of the sealed core. */
  variant?: string;
  /** launch() and await `exited`, instead of launchSync. */
  async?: boolean;
  /** async only: the child reads stdin from a pipe whose write end is closed once the watch runs. */
  releaseByPipe?: boolean;
  /**
   * async only: start and watch through the addon directly, choosing how (a pidfd from the launch, or
   * the SIGCHLD fallback), and report which one the watch used.
   */
  watch?: 'pidfd' | 'sigchld';
}

export interface EdgeJob {
  /** Close fds 0, 1 and 2 before launching (this process keeps nothing there). */
  closeStdio?: boolean;
  /** SIGCHLD set to SIG_IGN before launching: the kernel reaps children at once. */
  ignoreSigchld?: boolean;
  /**
   * A child_process child kept running (unref'd) during the launches, started before SIGCHLD is ignored:
   * libuv then holds a SIGCHLD handle already, and SIG_IGN is set behind its back, as in an application
   * that ignores SIGCHLD after using child_process.
   */
  holdChildProcess?: boolean;
  /** Non-CLOEXEC O_PATH fds (of "/") at these numbers. */
  opathAt?: number[];
  /**
   * Lower the soft RLIMIT_NOFILE to this and fill every free number below it with non-CLOEXEC fds (of
   * /dev/null) for the launches: a full table. The fillers go again before the children's reports are read.
   */
  fillTableTo?: number;
  launches: EdgeLaunch[];
}

export interface EdgeOutcome {
  ok?: { pid: number; code: number | null; signal: string | null; closeStrategy: string | null; watchedBy?: string };
  error?: { name: string; message: string; code?: string; errno?: number; syscall?: string; signal?: string | null };
  seen?: Seen;
}

export interface EdgeResult {
  launches: EdgeOutcome[];
  /** The O_PATH baits as opened. */
  opath: number[];
  /** SIGCHLD's disposition after the launches. */
  sigchldAfter: string;
  /** Children left unreaped (null where /proc cannot tell). */
  zombies: number[] | null;
  /** Fds open after the launches that were not before. */
  newFds: number[];
  /** fillTableTo: how many fillers it took, and the errno name opening one more gave. */
  filled?: { count: number; then: string };
  /** What each of them is (readlink of /proc/self/fd/N, where /proc is there). */
  newFdTargets: string[];
}

const [jobJson, outPath] = process.argv.slice(2);
if (!jobJson || !outPath) throw new Error('usage: edge.fixture.ts JOB_JSON OUT_PATH');
const job = JSON.parse(jobJson) as EdgeJob;

/** Open fds: from /proc where it is there, else by asking each number up to a generous bound. */
function fdList(): number[] {
  try {
    return openFds();
  } catch {
    const out: number[] = [];
    for (let fd = 0; fd < 8192; fd++) if (isOpen(fd)) out.push(fd);
    return out;
  }
}

function zombies(): number[] | null {
  try {
    readFileSync('/proc/self/stat');
  } catch {
    return null;
  }
  return zombieChildren();
}

/** launch() (or the addon's spawn + watch), awaited; with releaseByPipe the child exits only once the watch runs. */
async function runAsync(l: EdgeLaunch, file: string, args: string[]): Promise<NonNullable<EdgeOutcome['ok']>> {
  let options = l.options ?? {};
  let r = -1;
  let w = -1;
  if (l.releaseByPipe) {
    [r, w] = pipe(true);
    options = { ...options, stdio: [r, 1, 2] };
  }
  try {
    let exited: Promise<ExitStatus>;
    let pid: number;
    let closeStrategy: string | null;
    let watchedBy: string | undefined;
    if (l.watch) {
      const v = validate(file, args, options, l.variant ?? null);
      const out = binding().spawn({ ...v.request, pidfd: true });
      if (out.err !== 0 || out.signal !== 0) {
        throw new LaunchError(out.err, out.step as LaunchStep, file, out.signal ? signalName(out.signal) : null);
      }
      exited = new Promise<ExitStatus>((resolve) => {
        watchedBy = binding().watch(out.pid, (code, sig) => resolve({ code, signal: sig ? signalName(sig) : null }), l.watch === 'sigchld', out.pidfd);
      });
      pid = out.pid;
      closeStrategy = out.strategy;
    } else {
      const h = l.variant ? launchVariant(l.variant, file, args, options) : launch(file, args, options);
      exited = h.exited;
      pid = h.pid;
      closeStrategy = h.closeStrategy;
    }
    // The watch runs from here on: closing the write end lets the child read EOF and exit.
    if (w >= 0) close(w);
    w = -1;
    const e = await exited;
    return { pid, ...e, closeStrategy, ...(watchedBy ? { watchedBy } : {}) };
  } finally {
    if (r >= 0) close(r);
    if (w >= 0) close(w);
  }
}

const opath: number[] = [];
for (const n of job.opathAt ?? []) {
  const fd = open('/', 'path', true);
  opath.push(dupTo(fd, n, false));
  close(fd);
}
const held = job.holdChildProcess ? spawn('/bin/sleep', ['60'], { stdio: 'ignore' }) : undefined;
held?.unref();
if (job.ignoreSigchld) applySignalState({ ignored: ['SIGCHLD'] });
if (job.closeStdio) for (const fd of [0, 1, 2]) close(fd);

const before = fdList();
const fillers: number[] = [];
let fillStop = '';
if (job.fillTableTo !== undefined) {
  setRlimitNofile(job.fillTableTo);
  const base = open('/dev/null', 'r', false);
  fillers.push(base);
  for (;;) {
    try {
      fillers.push(dupAbove(base, 0, false));
    } catch (e) {
      const errno = (e as { errno?: unknown }).errno;
      fillStop = typeof errno === 'number' ? errnoName(errno) : (e as Error).message;
      break;
    }
  }
}
const outcomes: EdgeOutcome[] = [];
const reports: Array<[EdgeOutcome, string]> = [];
let n = 0;
for (const l of job.launches) {
  const out = `${outPath}.${n++}`;
  const file = l.file ?? nativePath('fdaudit-fdlist');
  const args = l.args ?? (l.file ? [] : [out]);
  const outcome: EdgeOutcome = {};
  try {
    if (l.async) {
      outcome.ok = await runAsync(l, file, args);
    } else {
      const r = l.variant ? launchVariantSync(l.variant, file, args, l.options) : launchSync(file, args, l.options);
      outcome.ok = { ...r };
    }
    if (!l.file) reports.push([outcome, out]);
  } catch (e) {
    const err = e as Error & Partial<LaunchError>;
    outcome.error = { name: err.name, message: err.message, code: err.code, errno: err.errno, syscall: err.syscall, signal: err.signal };
  }
  outcomes.push(outcome);
}
for (const fd of fillers) close(fd);
for (const [outcome, out] of reports) outcome.seen = JSON.parse(readFileSync(out, 'utf8')) as Seen;
for (let i = 0; i < n; i++) rmSync(`${outPath}.${i}`, { force: true });
const had = new Set(before);
const result: EdgeResult = {
  launches: outcomes,
  opath,
  sigchldAfter: signalDisposition('SIGCHLD'),
  zombies: zombies(),
  newFds: fdList().filter((fd) => !had.has(fd)),
  newFdTargets: [],
  ...(job.fillTableTo !== undefined ? { filled: { count: fillers.length, then: fillStop } } : {}),
};
for (const fd of result.newFds) {
  try {
    result.newFdTargets.push(`${fd} -> ${readlinkSync(`/proc/self/fd/${fd}`)}`);
  } catch {
    result.newFdTargets.push(`${fd} -> ?`);
  }
}
held?.kill('SIGKILL');
// To a file, not through fd 1, which the job may have closed.
writeFileSync(outPath, JSON.stringify(result));

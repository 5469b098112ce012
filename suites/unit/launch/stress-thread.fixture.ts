/**
 * worker_threads entry of the stress fixture (stress.fixture.ts).
 *
 * Role `launch`: `count` launches of fdaudit-fdlist, each child reporting
 * what it inherited; the thread checks every report against what the
 * parent expects (exactly 0, 1, 2 with the parent's files when sealed; the
 * strays as well when not), no signal handled in the child, and USR1/USR2
 * ignored as asked. Role `churn`: opens and closes non-CLOEXEC fds, low and
 * at >= 1024, until told to stop, so every launch races with fds appearing.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { launchSync } from '../../../src/launch/index.ts';
import { launchVariantSync } from '../../../src/launch/variants.ts';
import { close, dupTo, open, setThreadSignalMask, threadSignalMask } from '../../../src/native/fdops.ts';
import { signalNumber } from '../../../src/native/signals.ts';
import type { Seen } from './helpers.ts';

export interface LaunchRole {
  role: 'launch';
  fdlist: string;
  count: number;
  seal: boolean;
  /** A launcher variant (launchVariantSync) instead of the sealed launcher, for controls. */
  variant?: string;
  /** dev:ino of the parent's fds 0, 1, 2. */
  stdio: string[];
  /** Non-CLOEXEC fds held open by the parent for the whole run: fd → dev:ino. */
  strays: Record<string, string>;
  /** Int32Array[0] becomes 1 when the launches may start (once the flood runs). */
  go: SharedArrayBuffer;
  /**
   * Launch with these sources (all >= 1500) as stdio and these keep fds; the child must then have exactly
   * fds 0, 1, 2 and the keep fds, each the parent's file given in `ids` (child fd → dev:ino).
   */
  high?: { stdio: number[]; keep: number[]; ids: Record<string, string> };
}

export interface ChurnRole {
  role: 'churn';
  /** Int32Array[0] becomes 1 when the churn must stop. */
  stop: SharedArrayBuffer;
  /** Numbers >= 1024 this thread alone places fds at. */
  high: number[];
}

export interface LaunchReport {
  role: 'launch';
  launches: number;
  /** Children whose fd table was exactly 0, 1, 2 with the parent's files. */
  exactStdio: number;
  /** Children that saw at least one fd beyond 0, 1, 2. */
  extraFds: number;
  /** Children that saw every stray at its number, with its file. */
  sawAllStrays: number;
  /** Most extra fds one child saw. */
  maxExtra: number;
  /** Children killed by a signal (the flood reaches them; USR1/USR2 must be ignored). */
  killed: number;
  /** Children reporting a handled signal, or USR1/USR2 not ignored, or a blocked signal. */
  signalStateWrong: number;
  /** First few problems, for the failure message. */
  problems: string[];
}

export interface ChurnReport {
  role: 'churn';
  cycles: number;
  problems: string[];
}

const IGNORED = ['SIGUSR1', 'SIGUSR2'];

function runLaunches(d: LaunchRole): LaunchReport {
  const r: LaunchReport = { role: 'launch', launches: 0, exactStdio: 0, extraFds: 0, sawAllStrays: 0, maxExtra: 0, signalStateWrong: 0, killed: 0, problems: [] };
  const note = (msg: string): void => {
    if (r.problems.length < 10) r.problems.push(`thread ${threadId}: ${msg}`);
  };
  const ignored = IGNORED.map(signalNumber).sort((a, b) => a - b);
  // Loaded and waiting: the flood starts only once no thread needs the TypeScript loader any more.
  parentPort?.postMessage({ role: 'ready' });
  const go = new Int32Array(d.go);
  while (Atomics.load(go, 0) === 0) Atomics.wait(go, 0, 0);
  for (let i = 0; i < d.count; i++) {
    const out = join(tmpdir(), `fdaudit-stress-${process.pid}-${threadId}-${i}.json`);
    try {
      const options = { seal: d.seal, ignoreSignals: IGNORED, ...(d.high ? { stdio: d.high.stdio, keep: d.high.keep } : {}) };
      const res = d.variant ? launchVariantSync(d.variant, d.fdlist, [out], options) : launchSync(d.fdlist, [out], options);
      r.launches++;
      if (res.signal !== null) r.killed++;
      if (res.code !== 0 || res.signal !== null) {
        note(`child exited with code ${res.code}, signal ${res.signal}`);
        continue;
      }
      const seen = JSON.parse(readFileSync(out, 'utf8')) as Seen;
      const ids = new Map(seen.fds.map((f) => [f.fd, `${f.dev}:${f.ino}`]));
      // What the child must have: the parent's 0, 1, 2, or with high sources those and the keep fds.
      const expected = new Map(d.high ? Object.entries(d.high.ids).map(([fd, id]) => [Number(fd), id]) : [0, 1, 2].map((fd) => [fd, d.stdio[fd]]));
      const extra = seen.fds.filter((f) => !expected.has(f.fd));
      const stdioOk = [...expected].every(([fd, id]) => ids.get(fd) === id);
      if (stdioOk && extra.length === 0) r.exactStdio++;
      else if (d.seal) note(`sealed child saw fds ${JSON.stringify(seen.fds.map((f) => f.fd))}`);
      if (extra.length) r.extraFds++;
      r.maxExtra = Math.max(r.maxExtra, extra.length);
      if (Object.entries(d.strays).every(([fd, id]) => ids.get(Number(fd)) === id)) r.sawAllStrays++;
      const sigOk = seen.handled.length === 0 && seen.blocked.length === 0 && JSON.stringify(seen.ignored) === JSON.stringify(ignored);
      if (!sigOk) {
        r.signalStateWrong++;
        note(`child signal state: handled ${JSON.stringify(seen.handled)}, blocked ${JSON.stringify(seen.blocked)}, ignored ${JSON.stringify(seen.ignored)}`);
      }
    } catch (err) {
      note(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    } finally {
      rmSync(out, { force: true });
    }
  }
  return r;
}

function runChurn(d: ChurnRole): ChurnReport {
  const stop = new Int32Array(d.stop);
  const r: ChurnReport = { role: 'churn', cycles: 0, problems: [] };
  // The launches start once every churn thread has said it is churning, so they always race with it.
  parentPort?.postMessage({ role: 'ready' });
  while (Atomics.load(stop, 0) === 0) {
    const held: number[] = [];
    try {
      for (let i = 0; i < 4; i++) held.push(open('/dev/null', 'r', false));
      for (const n of d.high) held.push(dupTo(held[0]!, n, false));
    } catch (err) {
      if (r.problems.length < 10) r.problems.push(err instanceof Error ? err.message : String(err));
    }
    for (const fd of held) close(fd);
    r.cycles++;
  }
  return r;
}

// Node starts worker threads with a mask of its own choosing: block SIGUSR1 here as in every other
// thread, so that a SIGUSR1 handled anywhere means a handler that ran in a child (see stress.fixture.ts).
setThreadSignalMask([...new Set([...threadSignalMask(), 'SIGUSR1'])]);
const data = workerData as LaunchRole | ChurnRole;
parentPort?.postMessage(data.role === 'launch' ? runLaunches(data) : runChurn(data));

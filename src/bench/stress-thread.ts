/**
 * worker_threads entry of the stress scenario. Role `launch`: sealed launches of fdaudit-fdcount, which
 * exits with the number of fds it inherited beyond 0, 1 and 2. Role `churn`: opens and closes non-CLOEXEC
 * fds as fast as it can until told to stop, so launches race with fds appearing and vanishing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { launchSync } from '../launch/index.ts';
import * as fdops from '../native/fdops.ts';

export interface LaunchThreadData {
  role: 'launch';
  file: string;
  count: number;
}

export interface ChurnThreadData {
  role: 'churn';
  /** Int32Array[0] becomes 1 when the churn must stop. */
  stop: SharedArrayBuffer;
  /** Fds held open at once per cycle. */
  batch: number;
}

export interface LaunchThreadResult {
  role: 'launch';
  samples: number[];
  /** Launches whose child saw at least one extra fd. */
  extraFdChildren: number;
  /** Most extra fds any one child saw (capped at 125 by the counter). */
  maxExtraFds: number;
  errors: string[];
  startedAt: number;
  endedAt: number;
}

export interface ChurnThreadResult {
  role: 'churn';
  cycles: number;
  errors: string[];
}

function runLaunches(data: LaunchThreadData): LaunchThreadResult {
  const out: LaunchThreadResult = { role: 'launch', samples: [], extraFdChildren: 0, maxExtraFds: 0, errors: [], startedAt: Date.now(), endedAt: 0 };
  for (let i = 0; i < data.count; i++) {
    const t0 = process.hrtime.bigint();
    try {
      const r = launchSync(data.file, [], {});
      out.samples.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (r.signal !== null) out.errors.push(`child killed by ${r.signal}`);
      else if (r.code !== 0) {
        out.extraFdChildren++;
        out.maxExtraFds = Math.max(out.maxExtraFds, r.code ?? 0);
      }
    } catch (err) {
      if (out.errors.length < 20) out.errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  out.endedAt = Date.now();
  return out;
}

function runChurn(data: ChurnThreadData): ChurnThreadResult {
  const stop = new Int32Array(data.stop);
  const out: ChurnThreadResult = { role: 'churn', cycles: 0, errors: [] };
  const held: number[] = [];
  // The launches start only once every churn thread says it is churning, so they always race with it.
  parentPort?.postMessage({ role: 'ready' });
  while (Atomics.load(stop, 0) === 0) {
    try {
      for (let i = 0; i < data.batch; i++) held.push(fdops.open('/dev/null', 'r', false));
    } catch (err) {
      if (out.errors.length < 20) out.errors.push(err instanceof Error ? err.message : String(err));
    }
    for (const fd of held.splice(0)) fdops.close(fd);
    out.cycles++;
  }
  return out;
}

const data = workerData as LaunchThreadData | ChurnThreadData;
parentPort?.postMessage(data.role === 'launch' ? runLaunches(data) : runChurn(data));

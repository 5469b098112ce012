/**
 * A per-launch deadline that holds while this thread is blocked.
 *
 * A vfork-style launch suspends the calling thread until the child calls execve. A child that sweeps
 * every fd number up to a huge RLIMIT_NOFILE before it gets there (2^30 of them under huge-nofile)
 * keeps Node's main thread, and with it every timer, stopped for minutes. So the deadline is kept by a
 * worker thread: armed before the launch, it waits on shared memory and, when the time is up, SIGKILLs
 * each child this process started since arming (and the process group of one that leads its own),
 * which ends the blocked launch. The worker finds those children in /proc (parent pid and start
 * time); where /proc cannot be read it kills nothing and the launcher's own timer is all there is.
 * The thread lives for one series of launches (one `audit()` call) and is gone, with the fds of its
 * event loop, when the series ends.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** state[0]: generation, odd while armed; state[1]: the generation the worker fired for. */
const STATE_WORDS = 2;

// Plain JavaScript evaluated in the worker: no loader needed, whatever runs this module.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const state = new Int32Array(workerData.shared, 0, ${STATE_WORDS});
const numbers = new Float64Array(workerData.shared, 8, 2); // [timeout ms, start-time floor in clock ticks]
const self = process.pid;

function childrenSince(ticks) {
  const out = [];
  let names;
  try { names = fs.readdirSync('/proc'); } catch { return out; }
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) continue;
    let stat;
    try { stat = fs.readFileSync('/proc/' + name + '/stat', 'latin1'); } catch { continue; }
    // Fields after the command name: state ppid pgrp ... starttime (the 20th).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[1]) !== self || f[0] === 'Z' || Number(f[19]) < ticks) continue;
    out.push({ pid: Number(name), pgrp: Number(f[2]) });
  }
  return out;
}

function kill(target) {
  try { process.kill(target, 'SIGKILL'); } catch {}
}

let seen = 0;
for (;;) {
  Atomics.wait(state, 0, seen);
  seen = Atomics.load(state, 0);
  if (seen < 0) break; // closed
  while (seen > 0 && (seen & 1)) {
    const deadline = Date.now() + numbers[0];
    let changed = false;
    for (let left = numbers[0]; left > 0; left = deadline - Date.now()) {
      if (Atomics.wait(state, 0, seen, left) !== 'timed-out') { changed = true; break; }
    }
    if (changed || Atomics.load(state, 0) !== seen) { seen = Atomics.load(state, 0); continue; }
    // Time is up. Only a kill counts as firing: a launch whose children are all gone by now finished
    // on its own, and its outcome stands. Nothing found yet (the launch has not started its child):
    // look again while the deadline stays armed.
    for (;;) {
      const victims = childrenSince(numbers[1]);
      if (victims.length > 0 && Atomics.load(state, 0) === seen) {
        Atomics.store(state, 1, seen);
        for (const c of victims) {
          // Disarmed meanwhile: the next launch may already have children of its own.
          if (Atomics.load(state, 0) !== seen) break;
          if (c.pgrp === c.pid) kill(-c.pid);
          kill(c.pid);
        }
        break;
      }
      if (Atomics.wait(state, 0, seen, 250) !== 'timed-out') break;
    }
    Atomics.wait(state, 0, seen);
    seen = Atomics.load(state, 0);
  }
  if (seen < 0) break;
}
`;

/** Clock ticks since boot now, as /proc/PID/stat counts start times; null without /proc. */
function ticksNow(): number | null {
  try {
    const up = Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
    // USER_HZ is 100 on every Linux architecture; one tick of slack for rounding.
    return Number.isFinite(up) ? Math.floor(up * 100) - 1 : null;
  } catch {
    return null;
  }
}

export interface Deadline {
  /** True once the time ran out and the worker killed what the launch had started (and was still running). */
  fired(): boolean;
  /** Ends the watch (idempotent). */
  disarm(): void;
}

const NEVER: Deadline = { fired: () => false, disarm: () => {} };

/** A deadline thread for a series of launches, one armed at a time. */
export interface DeadlineWatch {
  /** Arms the deadline for one launch, `timeoutMs` from now; arming again replaces the previous one. */
  arm(timeoutMs: number): Deadline;
  /**
   * Resolves once the thread runs, its event loop and the fds of it made. Before this process closes
   * one of its fds 0-2 (a scenario closes stdin), so that the thread cannot be handed that number.
   */
  ready(): Promise<void>;
  /** Stops the thread and waits until it is gone, with the fds of its event loop (idempotent). */
  close(): Promise<void>;
}

/**
 * Starts the deadline thread. It starts up on its own, in parallel (nothing of it waits for this
 * thread's event loop, and nothing here waits for it), and never keeps the process alive; close it
 * when the launches are done.
 */
export function openDeadlineWatch(): DeadlineWatch {
  const shared = new SharedArrayBuffer(8 + 16);
  const state = new Int32Array(shared, 0, STATE_WORDS);
  const numbers = new Float64Array(shared, 8, 2);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared } });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const online = new Promise<void>((resolve) => {
    worker.once('online', () => resolve());
    worker.once('exit', () => resolve());
  });
  let closed = false;
  return {
    async ready(): Promise<void> {
      // Waiting for its start must keep this process alive for that long.
      worker.ref();
      try {
        await online;
      } finally {
        worker.unref();
      }
    },
    arm(timeoutMs: number): Deadline {
      const ticks = ticksNow();
      if (ticks === null || closed) return NEVER;
      const current = Atomics.load(state, 0);
      const generation = (current & 1 ? current + 2 : current + 1) | 0;
      numbers[0] = timeoutMs;
      numbers[1] = ticks;
      Atomics.store(state, 0, generation);
      Atomics.notify(state, 0);
      let armed = true;
      return {
        fired: () => Atomics.load(state, 1) === generation,
        disarm: () => {
          if (!armed) return;
          armed = false;
          if (Atomics.load(state, 0) === generation) {
            Atomics.store(state, 0, (generation + 1) | 0);
            Atomics.notify(state, 0);
          }
        },
      };
    },
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        Atomics.store(state, 0, -1);
        Atomics.notify(state, 0);
        // Ends it wherever it is, start-up included; resolves once the thread is gone.
        await worker.terminate();
      }
      await exited;
    },
  };
}

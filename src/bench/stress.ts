/**
 * The stress scenario (reliability issue §3 at full size): sealed launches from several worker threads
 * while other threads open and close non-CLOEXEC fds and a timer floods the process with signals that have
 * handlers. Counts children that saw any fd beyond stdio, zombies left, and the parent's fd count change.
 */
import { basename } from 'node:path';
import { openFds, zombieChildren } from '../native/fdops.ts';
import { readProcStat } from '../native/procstat.ts';
import { moduleWorker, prepareModuleWorker, reportingThread, type ReportingThread } from '../threads.ts';
import type { ChurnThreadResult, LaunchThreadData, LaunchThreadResult } from './stress-thread.ts';

export interface StressPlan {
  /** fdaudit-fdcount's path. */
  file: string;
  launchThreads: number;
  launchesPerThread: number;
  churnThreads: number;
  /** Signals sent to the process per timer tick (every millisecond). */
  signalsPerTick: number;
}

export interface StressOutcome {
  samples: number[];
  launches: number;
  wallMs: number;
  launchesPerSec: number;
  extraFdChildren: number;
  maxExtraFds: number;
  /** Unreaped children of this process at the end, whatever started them. */
  zombies: number;
  fdDelta: number;
  signalsSent: number;
  signalsHandled: number;
  churnCycles: number;
  errors: string[];
}

/** The command name (at most 15 characters) from /proc/PID/stat, for a message about a process left behind. */
function describeProcess(pid: number): string {
  return readProcStat(pid)?.comm ?? 'gone';
}

const FLOOD_SIGNALS = ['SIGUSR2', 'SIGWINCH'] as const;

const fromSource = import.meta.url.endsWith('.ts');
const threadUrl = new URL(`./stress-thread${fromSource ? '.ts' : '.js'}`, import.meta.url);

/** A stress thread (compiled JavaScript once built, TypeScript from source) and its final report. */
function runThread<T>(data: object): ReportingThread<T> {
  return reportingThread<T>(moduleWorker(threadUrl, data), 'stress thread');
}

export async function runStress(plan: StressPlan): Promise<StressOutcome> {
  await prepareModuleWorker(threadUrl);
  let handled = 0;
  const onSignal = (): void => {
    handled++;
  };
  // Handlers first: libuv opens its signal pipe with the first one, and that pipe is not ours to count.
  for (const s of FLOOD_SIGNALS) process.on(s, onSignal);
  const fdsBefore = openFds().length;

  const stop = new SharedArrayBuffer(4);
  const churn = Array.from({ length: plan.churnThreads }, () =>
    runThread<ChurnThreadResult>({ role: 'churn', stop, batch: 8 }));
  let sent = 0;
  const flood = setInterval(() => {
    for (let i = 0; i < plan.signalsPerTick; i++) {
      process.kill(process.pid, FLOOD_SIGNALS[i % FLOOD_SIGNALS.length]);
      sent++;
    }
  }, 1);

  const t0 = Date.now();
  const errors: string[] = [];
  let launchResults: LaunchThreadResult[] = [];
  try {
    await Promise.all(churn.map((c) => c.ready));
    const data: LaunchThreadData = { role: 'launch', file: plan.file, count: plan.launchesPerThread };
    const launchers = Array.from({ length: plan.launchThreads }, () => runThread<LaunchThreadResult>(data));
    const settled = await Promise.allSettled(launchers.map((l) => l.result));
    for (const s of settled) {
      if (s.status === 'fulfilled') launchResults.push(s.value);
      else errors.push(`launch thread: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
    }
  } finally {
    clearInterval(flood);
    Atomics.store(new Int32Array(stop), 0, 1);
  }
  const wallMs = Date.now() - t0;
  let churnCycles = 0;
  for (const s of await Promise.allSettled(churn.map((c) => c.result))) {
    if (s.status === 'fulfilled') {
      churnCycles += s.value.cycles;
      errors.push(...s.value.errors.map((e) => `churn thread: ${e}`));
    } else errors.push(`churn thread: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
  }
  // Let signals still pending be handled before the handlers go.
  await new Promise((r) => setTimeout(r, 50));
  for (const s of FLOOD_SIGNALS) process.off(s, onSignal);

  launchResults = launchResults.filter((r) => r.role === 'launch');
  // Every unreaped child is a zombie of the run, named by its command.
  const zombies = zombieChildren().map((pid) => `${pid} (${describeProcess(pid)})`);
  for (const z of zombies) errors.push(`zombie child ${z}`);
  const samples = launchResults.flatMap((r) => r.samples);
  for (const r of launchResults) errors.push(...r.errors);
  const first = Math.min(...launchResults.map((r) => r.startedAt));
  const last = Math.max(...launchResults.map((r) => r.endedAt));
  const launchWall = launchResults.length ? Math.max(1, last - first) : wallMs;
  return {
    samples,
    launches: samples.length,
    wallMs,
    launchesPerSec: Math.round((samples.length / launchWall) * 1000),
    extraFdChildren: launchResults.reduce((n, r) => n + r.extraFdChildren, 0),
    maxExtraFds: launchResults.reduce((n, r) => Math.max(n, r.maxExtraFds), 0),
    zombies: zombies.length,
    fdDelta: openFds().length - fdsBefore,
    signalsSent: sent,
    signalsHandled: handled,
    churnCycles,
    errors,
  };
}

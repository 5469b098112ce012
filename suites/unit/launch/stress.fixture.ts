/**
 * Subprocess half of stress.spec.ts.
 *
 *   node -e BOOT -- stress.fixture.ts CONFIG_JSON OUT_PATH   (BOOT: see stress.spec.ts)
 *
 * Launch threads run sealed (or, for the control, unsealed) launches of
 * fdaudit-fdlist while a churn thread opens and closes non-CLOEXEC fds (low
 * and >= 1024), non-CLOEXEC strays stay open for the whole run, and a timer
 * sends SIGUSR1 and SIGUSR2 to this process (both with handlers here) and to
 * every child it has started since the run began — the launches, between
 * vfork and execve included (a child in that window is already listed in
 * /proc/self/task/TID/children). Children that were there before the run (a
 * TypeScript loader's compiler process, say) are not launches and are left
 * alone, and nothing outside this process and its launches is signalled.
 *
 * How a handler running in a child would show: SIGUSR1 is blocked in every
 * thread of this process (checked in /proc), so no thread of this process
 * can ever take it, yet its handler stays installed. The flood also reaches
 * every launched child, between vfork and execve included. Node's C-level handler,
 * had it run in a child, would write to this process's signal pipe (shared
 * until execve), and the SIGUSR1 listener here would fire: any count above 0
 * is a handler that ran in a child. SIGUSR2 is not blocked: its count proves
 * the flood reached the handlers of this process.
 */
import { fstatSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { close, dupTo, pipe, setThreadSignalMask, threadSignalMask, zombieChildren, openFds } from '../../../src/native/fdops.ts';
import { nativePath } from '../../../src/native/paths.ts';
import { moduleWorker, prepareModuleWorker, reportingThread, type ReportingThread } from '../../../src/threads.ts';
import type { ChurnReport, ChurnRole, LaunchReport, LaunchRole } from './stress-thread.fixture.ts';
import { readProcStat } from '../../../src/native/procstat.ts';

export interface StressConfig {
  seal: boolean;
  launchThreads: number;
  launchesPerThread: number;
  churnThreads: number;
  /** Signals of each kind sent to the group per timer tick (1 ms). */
  signalsPerTick: number;
  /** Launch through this variant instead of the sealed launcher (controls). */
  variant?: string;
  /** Stdio sources at 1501-1503 and a CLOEXEC keep fd at 1600 (next to the stray at 1500), the churn around them. */
  highSources?: boolean;
}

export interface StressResult {
  config: StressConfig;
  launch: LaunchReport[];
  churn: ChurnReport[];
  /** Numbers of the strays held open for the whole run. */
  strays: number[];
  signalsSent: number;
  /** SIGUSR2 handled here: the flood reached this process's handlers. */
  usr2Handled: number;
  /** SIGUSR1 handled here although every thread blocks it: only a handler run inside a child can do that. */
  usr1Handled: number;
  /**
   * SIGUSR1 handled once this thread unblocked it after the flood: the flood did leave SIGUSR1 pending
   * here and the listener counts what the handler writes. Shows the count above could have moved.
   */
  usr1AfterUnblock: number;
  /** Threads of this process that did not block SIGUSR1 at the start and at the end of the flood (must be none). */
  usr1Unblocked: string[];
  /** Unreaped children, "pid (name)". */
  zombies: string[];
  /** Open fds of this process before the threads start and after they have ended. */
  fdsBefore: number[];
  fdsAfter: number[];
  wallMs: number;
  errors: string[];
}

const [configJson, outPath] = process.argv.slice(2);
if (!configJson || !outPath) throw new Error('usage: stress.fixture.ts CONFIG_JSON OUT_PATH');
const config = JSON.parse(configJson) as StressConfig;

/** Threads of this process whose mask lets SIGUSR1 (bit 9 of SigBlk) through. */
function threadsNotBlockingUsr1(): string[] {
  const out: string[] = [];
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const s = readFileSync(`/proc/self/task/${t}/status`, 'utf8');
      const blk = BigInt(`0x${/SigBlk:\s*([0-9a-f]+)/.exec(s)?.[1] ?? '0'}`);
      if ((blk & (1n << 9n)) === 0n) out.push(`${t} (${/Name:\s*(.*)/.exec(s)?.[1] ?? '?'})`);
    } catch {
      /* thread gone */
    }
  }
  return out;
}

/** The command name from /proc/PID/stat, to name a zombie. */
function commandName(pid: number): string {
  return readProcStat(pid)?.comm ?? 'gone';
}

/** Children of every thread of this process, a vfork child still between vfork and execve included. */
function children(): number[] {
  const out: number[] = [];
  for (const t of readdirSync('/proc/self/task')) {
    try {
      for (const pid of readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (pid) out.push(Number(pid));
    } catch {
      /* thread gone */
    }
  }
  return out;
}

/** Sends `sig` to `pid`; a target that has gone meanwhile is no error. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* exited between the listing and the signal */
  }
}

const threadUrl = new URL('./stress-thread.fixture.ts', import.meta.url);

/** A worker running the thread fixture, and its final report. */
function startThread<T>(data: LaunchRole | ChurnRole): ReportingThread<T> {
  return reportingThread<T>(moduleWorker(threadUrl, data), 'stress thread');
}

const devIno = (fd: number): string => {
  const st = fstatSync(fd);
  return `${st.dev}:${st.ino}`;
};

const errors: string[] = [];
let usr1 = 0;
let usr2 = 0;
const onUsr1 = (): void => {
  usr1++;
};
const onUsr2 = (): void => {
  usr2++;
};
// Handlers before anything is counted: libuv opens its signal pipe with the first one.
process.on('SIGUSR1', onUsr1);
process.on('SIGUSR2', onUsr2);
// Already blocked by the boot code before any thread started; stated again here, where it matters.
setThreadSignalMask([...new Set([...threadSignalMask(), 'SIGUSR1'])]);

// Strays: non-CLOEXEC, one low, one at 1500, one near the top of what the soft limit allows.
const [sr, sw] = pipe(false);
const strays = [sr, dupTo(sr, 1500, false), dupTo(sw, 4090, false)];
close(sw);
const strayIds: Record<string, string> = Object.fromEntries(strays.map((fd) => [String(fd), devIno(fd)]));
const stdioIds = [0, 1, 2].map(devIno);

// High sources: three pipes of their own at 1501-1503 (non-CLOEXEC, as sources usually are) and a CLOEXEC keep fd at 1600.
const highFds: number[] = [];
let high: LaunchRole['high'];
if (config.highSources) {
  const ends = [pipe(true), pipe(true), pipe(true)];
  const stdio = [dupTo(ends[0]![0], 1501, false), dupTo(ends[1]![1], 1502, false), dupTo(ends[2]![1], 1503, false)];
  const kept = dupTo(ends[0]![1], 1600, true);
  for (const [r, w] of ends) {
    close(r);
    close(w);
  }
  highFds.push(...stdio, kept);
  high = { stdio, keep: [kept], ids: { 0: devIno(stdio[0]!), 1: devIno(stdio[1]!), 2: devIno(stdio[2]!), [kept]: devIno(kept) } };
}

// Compiled here first, so that no thread starts a compiler process of its own (src/threads.ts).
await prepareModuleWorker(threadUrl);
// Children that exist now were not launched by the run: the flood leaves them alone.
const before = new Set(children());
const fdsBefore = openFds();
const stop = new SharedArrayBuffer(4);
const churn = Array.from({ length: config.churnThreads }, (_, i) =>
  startThread<ChurnReport>({ role: 'churn', stop, high: [2000 + i * 10, 3000 + i * 10] }));

const go = new SharedArrayBuffer(4);
const data: LaunchRole = {
  role: 'launch', fdlist: nativePath('fdaudit-fdlist'), count: config.launchesPerThread, seal: config.seal, stdio: stdioIds, strays: strayIds, go,
  ...(config.variant ? { variant: config.variant } : {}),
  ...(high ? { high } : {}),
};
const launchers = Array.from({ length: config.launchThreads }, () => startThread<LaunchReport>(data));

let sent = 0;
let flood: ReturnType<typeof setInterval> | undefined;
const t0 = Date.now();
const usr1Unblocked: string[] = [];
let launch: LaunchReport[] = [];
try {
  // Every thread has loaded its modules before the first signal.
  await Promise.all([...churn, ...launchers].map((c) => c.ready));
  // Every thread that exists while the launches run (Node's own, the churn and launch threads) blocks SIGUSR1.
  usr1Unblocked.push(...threadsNotBlockingUsr1());
  flood = setInterval(() => {
    const targets = [process.pid, ...children().filter((pid) => !before.has(pid))];
    for (let i = 0; i < config.signalsPerTick; i++) {
      for (const sig of ['SIGUSR1', 'SIGUSR2'] as const) {
        for (const pid of targets) signal(pid, sig);
        sent++;
      }
    }
  }, 1);
  // Launches start once the flood is on.
  await new Promise((r) => setTimeout(r, 20));
  Atomics.store(new Int32Array(go), 0, 1);
  Atomics.notify(new Int32Array(go), 0);
  for (const s of await Promise.allSettled(launchers.map((l) => l.result))) {
    if (s.status === 'fulfilled') launch.push(s.value);
    else errors.push(`launch thread: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
  }
  usr1Unblocked.push(...threadsNotBlockingUsr1());
} finally {
  clearInterval(flood);
  Atomics.store(new Int32Array(stop), 0, 1);
  Atomics.store(new Int32Array(go), 0, 1);
  Atomics.notify(new Int32Array(go), 0);
}
const wallMs = Date.now() - t0;
const churnReports: ChurnReport[] = [];
for (const s of await Promise.allSettled(churn.map((c) => c.result))) {
  if (s.status === 'fulfilled') churnReports.push(s.value);
  else errors.push(`churn thread: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
}
await Promise.all([...churn, ...launchers].map((t) => t.exited));
// Let whatever is still in the signal pipe reach the listeners before they are read.
await new Promise((r) => setTimeout(r, 100));
launch = launch.filter((r) => r.role === 'launch');
const usr1Handled = usr1;
// The live-wire check: unblocked here, the SIGUSR1 left pending by the flood reaches the listener.
setThreadSignalMask(threadSignalMask().filter((s) => s !== 'SIGUSR1'));
await new Promise((r) => setTimeout(r, 100));

const result: StressResult = {
  config,
  launch,
  churn: churnReports,
  strays,
  signalsSent: sent,
  usr2Handled: usr2,
  usr1Handled,
  usr1AfterUnblock: usr1 - usr1Handled,
  usr1Unblocked,
  zombies: zombieChildren().map((pid) => `${pid} (${commandName(pid)})`),
  fdsBefore,
  fdsAfter: openFds(),
  wallMs,
  errors,
};
for (const fd of strays) close(fd);
for (const fd of highFds) close(fd);
writeFileSync(outPath, JSON.stringify(result));
process.exit(0);

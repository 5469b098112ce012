/**
 * The kernel matrix: one worker process per personality, each started under the fdaudit-kernel wrapper
 * (seccomp filters and mount namespaces apply to a whole process and cannot be undone), as many at a
 * time as there are cores. Each worker writes its results to a file in a private temp directory; the
 * parent reads them, merges them, and removes the directory. A personality the wrapper cannot apply
 * here gives `skipped` results with the wrapper's reason; a worker that crashes or outlives its
 * timeout (killed with its process group) gives `error` results and a failed test — never a hang.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditResult, AuditStatus } from '../audit/types.ts';
import { KERNEL_WRAPPER_EXIT, wrapArgv } from '../kernels/wrapper.ts';
import type { KernelId } from '../kernels/types.ts';
import { launcherIds } from '../launchers/registry.ts';
import type { TestRecord } from '../report/types.ts';
import type { PassOutcome } from './pass.ts';
import type { RunPlan } from './plan.ts';
import { WORKER_SCHEMA, type WorkerOutput } from './protocol.ts';

/** The worker entry next to this module, in the same form (sources under tsx, or compiled). */
export function workerEntry(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`./worker.${ext}`, import.meta.url));
}

interface WorkerRun {
  kernel: KernelId;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  output: WorkerOutput | null;
  spawnError: string | null;
}

const TAIL = 2000;
const tail = (s: string): string => (s.length > TAIL ? `…${s.slice(-TAIL)}` : s);

function readOutput(path: string): WorkerOutput | null {
  if (!existsSync(path)) return null;
  try {
    const out = JSON.parse(readFileSync(path, 'utf8')) as WorkerOutput;
    return out.schema === WORKER_SCHEMA ? out : null;
  } catch {
    return null;
  }
}

/**
 * The Node flags a worker gets: what this process was started with (e.g. `--import tsx` when the CLI
 * runs from its sources), the loader resolved here so the worker's working directory does not matter,
 * and no debugger flag (a port it could not share).
 */
export function workerNodeFlags(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i] as string;
    if (/^--inspect/.test(a)) continue;
    const loader = /^--(import|loader|experimental-loader)$/.test(a) ? execArgv[i + 1] : undefined;
    if (loader !== undefined) {
      out.push(a, resolveLoader(loader));
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

function resolveLoader(specifier: string): string {
  if (/^(\.|\/|file:|data:|node:)/.test(specifier)) return specifier;
  try {
    return import.meta.resolve(specifier);
  } catch {
    return specifier;
  }
}

/** Process groups of the workers alive now, so an interrupted run can take them down with it. */
const liveGroups = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * While workers run, SIGINT/SIGTERM/SIGHUP to the run kill every worker group (they are in groups of
 * their own and would not get a terminal's Ctrl-C), remove the temp directory, and then end this
 * process by the same signal.
 */
function onInterrupt(cleanup: () => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handler = (sig: NodeJS.Signals): void => {
    for (const pid of liveGroups) killGroup(pid);
    cleanup();
    for (const s of signals) process.removeListener(s, handler);
    process.kill(process.pid, sig);
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.removeListener(s, handler);
  };
}

function runWorker(plan: RunPlan, kernel: KernelId, dir: string, planPath: string): Promise<WorkerRun> {
  const outPath = join(dir, `${kernel.replace(/[^A-Za-z0-9.+-]/g, '_')}.json`);
  return new Promise((resolveRun) => {
    const done = (partial: Omit<WorkerRun, 'kernel' | 'output'>): void => {
      resolveRun({ kernel, ...partial, output: readOutput(outPath) });
    };
    let argv: string[];
    try {
      // An absolute node path: under no-proc, /proc/self/exe is gone and Node takes argv[0] as its path.
      const nodeFlags = workerNodeFlags(process.execArgv);
      argv = wrapArgv(kernel, [process.execPath, ...nodeFlags, workerEntry(), planPath, outPath]);
    } catch (err) {
      done({ code: null, signal: null, stdout: '', stderr: '', timedOut: false, spawnError: (err as Error).message });
      return;
    }
    const [file, ...args] = argv as [string, ...string[]];
    const env: NodeJS.ProcessEnv = { ...process.env, FDAUDIT_KERNEL: kernel, FDAUDIT_MATRIX: '1' };
    if (process.stdout.isTTY && env.NO_COLOR === undefined && plan.color !== false) env.FORCE_COLOR ??= '1';
    // Its own process group, so a timeout kills the worker with everything it started.
    const child = spawn(file, args, { cwd: plan.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
      else child.kill('SIGKILL');
    }, plan.workerTimeoutMs);
    let spawnError: string | null = null;
    child.on('error', (err) => {
      spawnError = err.message;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) liveGroups.delete(pid);
      done({ code, signal, stdout, stderr, timedOut, spawnError });
    });
  });
}

/** Launchers a personality would have audited: what the other personalities audited, else the selection. */
function expectedLaunchers(plan: RunPlan, others: readonly AuditResult[]): string[] {
  const seen = [...new Set(others.map((r) => r.launcher))];
  if (seen.length) return seen;
  return plan.launchers ?? [...launcherIds(), ...plan.userLaunchers.map((u) => u.id)];
}

function placeholder(launcher: string, kernel: string, status: AuditStatus, reason: string): AuditResult {
  return { launcher, kernel, status, baits: [], extraFds: [], rlimitNofile: null, signals: null, closeStrategy: null, error: reason, durationMs: 0 };
}

function describeFailure(w: WorkerRun, timeoutMs: number): string {
  if (w.spawnError) return `the worker could not be started: ${w.spawnError}`;
  if (w.timedOut) return `the worker did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`;
  const how = w.signal ? `was killed by ${w.signal}` : `exited with status ${w.code}`;
  const last = w.stderr.trim().split('\n').slice(-3).join(' | ');
  return `the worker ${how} without results${last ? `: ${last}` : ''}`;
}

export interface MatrixOutcome {
  passes: PassOutcome[];
  /** Console output of each worker, in kernel order, to print as one block per personality. */
  logs: { kernel: string; stdout: string; stderr: string }[];
}

/** Runs every personality of the plan in its own worker and merges what they report. */
export async function runKernelMatrix(plan: RunPlan, onStart?: (kernel: string) => void): Promise<MatrixOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'fdaudit-run-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  const stopWatching = onInterrupt(removeDir);
  try {
    const planPath = join(dir, 'plan.json');
    writeFileSync(planPath, JSON.stringify(plan));
    const queue = [...plan.kernels];
    const runs = new Map<KernelId, WorkerRun>();
    const slots = Math.max(1, Math.min(availableParallelism(), queue.length));
    await Promise.all(
      Array.from({ length: slots }, async () => {
        for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
          onStart?.(k);
          runs.set(k, await runWorker(plan, k, dir, planPath));
        }
      }),
    );
    const ordered = plan.kernels.map((k) => runs.get(k) as WorkerRun);
    const finished = ordered.flatMap((w) => (w.output ? w.output.results : []));
    const passes: PassOutcome[] = ordered.map((w) => {
      if (w.output && !w.timedOut) return w.output;
      // The wrapper's own refusal: its status and its message (a worker exiting 3 for itself is a failure).
      const refusal = /^fdaudit-kernel: (personality .* is unavailable here.*)$/m.exec(w.stderr);
      const unavailable = !w.timedOut && w.code === KERNEL_WRAPPER_EXIT.unavailable && !w.output && refusal !== null;
      const reason = unavailable && refusal ? (refusal[1] ?? '') : describeFailure(w, plan.workerTimeoutMs);
      const status: AuditStatus = unavailable ? 'skipped' : 'error';
      const results = expectedLaunchers(plan, finished).map((l) => placeholder(l, w.kernel, status, reason));
      const record: TestRecord = {
        name: `kernel ${w.kernel} [${w.kernel}]`,
        kernel: w.kernel,
        status: unavailable ? 'skipped' : 'failed',
        message: reason,
        durationMs: 0,
      };
      return { kernel: w.kernel, results, records: [record], runError: unavailable ? null : reason };
    });
    return { passes, logs: ordered.map((w) => ({ kernel: w.kernel, stdout: w.stdout, stderr: tail(w.stderr) })) };
  } finally {
    stopWatching();
    removeDir();
  }
}

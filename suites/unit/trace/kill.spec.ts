/**
 * Killing fdaudit never leaves the traced tree stopped or traced: SIGKILL and SIGTERM take the tracer
 * down (it dies with its parent), and PTRACE_O_EXITKILL takes every tracee with it. Ctrl-C is the
 * command's to act on: fdaudit waits, reports, and exits as the command did.
 */
import { test } from '@japa/runner';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/native/paths.ts';
import { CLI, tempDir } from '../cli/helpers.ts';
import { processState, waitFor, needsPtrace } from './helpers.ts';

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  tracer: number;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      out.push({
        pid: Number(name),
        ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0),
        comm: /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '',
        tracer: Number(/^TracerPid:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function startCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: packageRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
}

/** The CLI's tracer and, once `count` of them run, the tracees named `comm`. */
async function tracedTree(cli: ChildProcess, comm: string, count: number): Promise<{ tracer: number; tracees: number[] } | null> {
  return waitFor(() => {
    const all = processes();
    const tracer = all.find((p) => p.ppid === cli.pid && p.comm === 'fdaudit-trace');
    if (!tracer) return null;
    const tracees = all.filter((p) => p.tracer === tracer.pid);
    if (tracees.filter((p) => p.comm === comm).length < count) return null;
    return { tracer: tracer.pid, tracees: tracees.map((p) => p.pid) };
  }, 20_000);
}

/** Alive and neither dead nor reaped: a zombie has nothing left to stop or trace. */
const lingering = (pids: readonly number[]): number[] =>
  pids.filter((pid) => {
    const st = processState(pid);
    return st !== null && st.state !== 'Z';
  });

const exited = (cli: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => {
    if (cli.exitCode !== null || cli.signalCode !== null) resolve({ code: cli.exitCode, signal: cli.signalCode });
    else cli.on('exit', (code, signal) => resolve({ code, signal }));
  });

function killGroup(cli: ChildProcess): void {
  try {
    if (cli.pid) process.kill(-cli.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

test.group('trace: killing fdaudit', (group) => {
  needsPtrace(group);
  for (const sig of ['SIGKILL', 'SIGTERM'] as const) {
    test(`${sig} to fdaudit takes the traced tree with it: nothing is left stopped or traced`, async ({ assert }) => {
      const { dir, cleanup } = tempDir('fdaudit-trace-kill-');
      const cli = startCli(['trace', '--out', dir, '--', '/bin/sh', '-c', '/bin/sleep 60 & /bin/sleep 60; wait']);
      try {
        const tree = await tracedTree(cli, 'sleep', 2);
        assert.isNotNull(tree, 'the two sleeps were traced (the control: before the kill, the tree is traced)');
        const pids = [tree!.tracer, ...tree!.tracees];
        process.kill(cli.pid as number, sig);
        const done = await exited(cli);
        assert.equal(done.signal, sig);
        const left = await waitFor(() => lingering(pids).length === 0, 10_000);
        assert.isTrue(left === true, `still alive: ${lingering(pids).map((p) => `${p} ${JSON.stringify(processState(p))}`).join(', ')}`);
        // An unfinished trace.json is removed (SIGTERM), never left as a temporary file.
        if (sig === 'SIGTERM') assert.deepEqual(readdirSync(dir), []);
      } finally {
        killGroup(cli);
        cleanup();
      }
    });
  }

  test('Ctrl-C reaches the command; fdaudit reports the trace and exits 128+2 as the command did', async ({ assert }) => {
    const { dir, cleanup } = tempDir('fdaudit-trace-int-');
    const cli = startCli(['trace', '--out', dir, '--', '/bin/sh', '-c', '/bin/sleep 60; echo after']);
    try {
      const tree = await tracedTree(cli, 'sleep', 1);
      assert.isNotNull(tree);
      // The terminal sends SIGINT to the whole foreground process group: fdaudit, its tracer, the tree.
      process.kill(-(cli.pid as number), 'SIGINT');
      const done = await exited(cli);
      assert.deepEqual(done, { code: 130, signal: null });
      assert.isTrue(existsSync(join(dir, 'trace.json')));
      const report = JSON.parse(readFileSync(join(dir, 'trace.json'), 'utf8')) as { signal: string; execs: unknown[] };
      assert.equal(report.signal, 'SIGINT');
      assert.lengthOf(report.execs, 2);
      assert.deepEqual(lingering(tree!.tracees), []);
    } finally {
      killGroup(cli);
      cleanup();
    }
  });
});

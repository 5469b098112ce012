/**
 * Finding what a spec file left behind outside its own process: processes still running in its job's
 * session, and files in its private TMPDIR.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allProcesses } from '../../src/native/procstat.ts';
import type { StrayProcess } from './protocol.ts';

function commandLine(pid: string): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return argv.length ? argv.join(' ') : '?';
  } catch {
    return '?';
  }
}

/**
 * Processes of session `sid` (each job's process leads a session of its own, so everything its files
 * started and did not end is there, unless it called setsid itself). Zombies are left out: they are
 * counted as unreaped children, or init reaps them once their parent has gone.
 */
export function sessionProcesses(sid: number): StrayProcess[] {
  return allProcesses()
    .filter((p) => p.state !== 'Z' && p.session === sid)
    .map((p) => ({ pid: p.pid, command: commandLine(String(p.pid)) }));
}

export function killAll(procs: readonly StrayProcess[]): void {
  for (const p of procs) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Every path under `dir` (relative), folders marked with a trailing slash; at most `limit` entries. */
export function listTree(dir: string, limit = 20): string[] {
  const out: string[] = [];
  const visit = (rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(dir, rel));
    } catch {
      return;
    }
    for (const n of names.sort()) {
      if (out.length >= limit) return;
      const r = rel ? `${rel}/${n}` : n;
      const isDir = lstatSync(join(dir, r)).isDirectory();
      out.push(isDir ? `${r}/` : r);
      if (isDir) visit(r);
    }
  };
  visit('');
  return out;
}

/** Shared by the trace specs: the process shapes helper and small conveniences. */
import type { Group } from '@japa/runner/core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativePath } from '../../../src/native/paths.ts';
import type { ExecRecord } from '../../../src/trace/types.ts';

/** fdaudit-trace-cases (native/trace/cases.c): threads, self-exec, posix_spawn, a failing exec, job control. */
export function casesPath(): string {
  return nativePath('fdaudit-trace-cases');
}

/**
 * Why ptrace cannot be used here, in the tracer's own words (it exits 3 when ptrace is refused: a
 * container without CAP_SYS_PTRACE, a Yama policy, a seccomp filter, already traced), or null where it
 * works. Asked once, by tracing /bin/true.
 */
export const PTRACE_REFUSED: string | null = (() => {
  const r = spawnSync(nativePath('fdaudit-trace'), ['--report', '-', '--', '/bin/true'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 3) return null;
  return r.stderr.trim().split('\n').pop() || 'ptrace is refused';
})();

export const PTRACE_SKIP = `ptrace is refused here: ${PTRACE_REFUSED ?? ''}`;

/** Every test of `group` traces: each skips, with the tracer's reason, where ptrace is refused. */
export function needsPtrace(group: Group): void {
  group.tap((t) => t.skip(() => PTRACE_REFUSED !== null, PTRACE_SKIP));
}

/** A temp directory holding one file with a name no other test uses; removed by cleanup. */
export function tempFile(name: string): { dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'fdaudit-trace-'));
  const file = join(dir, name);
  writeFileSync(file, 'bait\n');
  return { dir, file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** fd numbers of an exec. */
export const fdNumbers = (e: ExecRecord): number[] => e.fds.map((f) => f.fd);

/** The basename of an exec's program. */
export const programOf = (e: ExecRecord): string => e.program.split('/').pop() ?? e.program;

/** Whether a process exists and, if so, its state letter and tracer pid (from /proc). */
export function processState(pid: number): { state: string; tracer: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const state = /^State:\s+(\S)/m.exec(text)?.[1] ?? '?';
    const tracer = Number(/^TracerPid:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    return { state, tracer };
  } catch {
    return null;
  }
}

/** Polls `check` every 20 ms until it returns a value or `ms` pass; then returns null. */
export async function waitFor<T>(check: () => T | null | undefined | false, ms = 5000): Promise<T | null> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) return null;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Words shared by the trace reporters (terminal, JUnit, summary.md, HTML): one way to say each thing. */
import { basename } from 'node:path';
import type { Crossing, InheritedSet, TraceModel } from '../trace/collect.ts';
import type { TraceHost, TracerStats } from '../trace/types.ts';
import { oneLine } from './cells.ts';

/** What the reporters know about the run besides the execs. */
export interface TraceMeta {
  command: string[];
  cwd: string;
  exitCode: number | null;
  signal: string | null;
  host: TraceHost;
  allow: string[];
  passed: number[];
  tracer: TracerStats | null;
}

/** A command line as a shell would read it back. */
export function commandText(argv: readonly string[], max = 200): string {
  const text = argv.map((a) => (a === '' || /[\s'"\\$`|&;<>(){}*?!#~]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a)).join(' ');
  const one = oneLine(text);
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function statusText(exitCode: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  return exitCode === null ? 'status unknown' : `exit ${exitCode}`;
}

/** `7 /etc/hostname (file)` */
export function fdText(fd: { fd: number; target: string; type: string }): string {
  const kind = fd.target.startsWith(`${fd.type}:`) ? '' : ` (${fd.type})`;
  return `${fd.fd} ${oneLine(fd.target)}${kind}`;
}

export function times(n: number): string {
  return n === 1 ? '1×' : `${n}×`;
}

/** `bash 2×, make 1×`, most frequent first, at most `max` names. */
export function parentsText(parents: ReadonlyMap<string, number>, max = 3): string {
  const list = [...parents.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = list.slice(0, max).map(([p, n]) => `${programName(p)} ${times(n)}`);
  if (list.length > max) shown.push(`+${list.length - max} more`);
  return shown.join(', ');
}

/** The basename of a program path; fdaudit's own tracer is called what the user ran. */
export function programName(program: string): string {
  const name = basename(program);
  return name === 'fdaudit-trace' ? 'fdaudit trace' : oneLine(name);
}

/** The name a program was run by, and its executable's when that differs: `sh (dash)`, `cc (gcc-12)`. */
export function displayName(program: string, argv0: string | undefined): string {
  const exe = programName(program);
  const typed = argv0 ? oneLine(basename(argv0)) : '';
  return typed && typed !== exe ? `${typed} (${exe})` : exe;
}

/** `make inherits 7 /etc/hostname (file)`, or `true inherits only 0, 1, 2`. */
export function setTitle(s: InheritedSet): string {
  const name = displayName(s.program, s.example.argv[0]);
  if (s.fds.length === 0) return `${name} inherits only 0, 1, 2`;
  return `${name} inherits ${s.fds.map(fdText).join(', ')}`;
}

/** The failure message of a set: which fds broke the policy, in which exec, started by whom. */
export function setViolationMessage(s: InheritedSet): string {
  const v = s.firstViolation;
  const fds = s.violations.map((x) => `fd ${fdText(x)}`).join(', ');
  const where = !v
    ? ''
    : v.via === 'exec'
      ? ` (pid ${v.pid}, exec'd by ${programName(v.parentProgram)} in its place)`
      : ` (pid ${v.pid}, started by ${programName(v.parentProgram)} pid ${v.ppid})`;
  const more = s.violatingExecs > 1 ? `; ${s.violatingExecs} execs like it` : '';
  return `${s.program}${where} inherited ${fds} beyond 0, 1, 2: not allowed${more}`;
}

export function crossingText(c: Crossing): string {
  return `${fdText(c)} ${times(c.count)}`;
}

/** `5 execs of 3 programs; 1 of them inherited fds beyond 0, 1, 2 that no rule allows` */
export function countsText(model: TraceModel): string {
  const c = model.counts;
  const execs = `${c.execs} exec${c.execs === 1 ? '' : 's'} of ${c.programs} program${c.programs === 1 ? '' : 's'}`;
  const broke = c.violating === 0
    ? 'none inherited an fd beyond 0, 1, 2 that no rule allows'
    : `${c.violating === c.execs && c.execs > 1 ? 'all' : c.violating} of them inherited fds beyond 0, 1, 2 that no rule allows`;
  return `${execs}; ${broke}`;
}

export function policyText(meta: TraceMeta): string {
  const parts = ['sealed: nothing beyond 0, 1, 2'];
  if (meta.passed.length) parts.push(`passed on purpose: ${meta.passed.join(', ')}`);
  if (meta.allow.length) parts.push(`allowed: ${meta.allow.map((a) => `'${a}'`).join(', ')}`);
  return parts.join('; ');
}

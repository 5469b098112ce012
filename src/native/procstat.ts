/**
 * /proc/PID/stat read once, parsed in one place. The command name sits in parentheses and may itself
 * contain ") ", so the fields are whatever follows the last ')'.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  /** The command name (at most 15 characters). */
  comm: string;
  /** R, S, D, Z, T, … */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /**
   * Every field after the command name; fields[0] is proc(5)'s field 3 (state), so proc(5)'s field N
   * is fields[N - 3] (utime, field 14, is fields[11]).
   */
  fields: string[];
}

/** The stat of `pid` (or this process), or null when it cannot be read (the process is gone). */
export function readProcStat(pid: number | 'self'): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    comm: text.slice(text.indexOf('(') + 1, close),
    state: fields[0] ?? '',
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    fields,
  };
}

/** Every process of the system (of this pid namespace) with its stat; processes that end meanwhile are left out. */
export function allProcesses(): Array<ProcStat & { pid: number }> {
  const out: Array<ProcStat & { pid: number }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readProcStat(Number(name));
    if (st) out.push({ ...st, pid: Number(name) });
  }
  return out;
}

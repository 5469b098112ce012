/** The `fdaudit/trace@1` report (DESIGN.md §5) and what the tracer streams to build it. */
import type { Limit, ProbeFd } from '../probe/types.ts';

export const TRACE_SCHEMA = 'fdaudit/trace@1';

/** How the process that exec'd came to be: started by fdaudit, forked, or the same process exec'ing again. */
export type ExecVia = 'spawn' | 'fork' | 'vfork' | 'clone' | 'exec';

/** An inherited fd the policy does not allow. */
export interface Violation {
  fd: number;
  target: string;
  type: string;
  reason: string;
}

/** An inherited fd beyond 0, 1 and 2 that the policy let through, and why. */
export interface Allowance {
  fd: number;
  target: string;
  /** The --allow rule (as written), or "passed with --pass FD". */
  rule: string;
}

/** One successful execve: what the new program inherited. */
export interface ExecRecord {
  /** 1, 2, … in the order the execs happened. */
  id: number;
  pid: number;
  /** The process that started this one (for the first exec, fdaudit's tracer). */
  ppid: number;
  /** The thread that called execve when it was not the thread group leader (its tid became the pid). */
  formerTid?: number;
  via: ExecVia;
  /** The exec whose program started this one: the forking program, or the image this one replaced; null for COMMAND. */
  parentId: number | null;
  parentProgram: string;
  /** /proc/PID/exe at the exec (the interpreter for a script). */
  program: string;
  argv: string[];
  argvTruncated?: boolean;
  /** Milliseconds since the tracer started. */
  timeMs: number;
  /** Every open fd, described as fdaudit-probe describes its own. */
  fds: ProbeFd[];
  rlimitNofile: { soft: Limit; hard: Limit } | null;
  signals: { blocked: string[]; ignored: string[] };
  violations: Violation[];
  allowed: Allowance[];
}

export interface TraceHost {
  name: string;
  kernel: string;
  node: string;
  libc: string;
}

/** What the tracer itself cost, from its end record. */
export interface TracerStats {
  execs: number;
  /** Execs whose process vanished before it could be read (killed in its exec stop). */
  unreadable: number;
  peakTasks: number;
  /** Tasks still running when COMMAND exited, let go untraced. */
  detached: number;
  maxRssKiB: number;
  durationMs: number;
}

export interface TraceSummaryCounts {
  execs: number;
  /** Execs with at least one violation. */
  violating: number;
  programs: number;
  /** Distinct (program, inherited set) pairs: the JUnit test cases. */
  distinct: number;
}

export interface TraceReport {
  schema: typeof TRACE_SCHEMA;
  host: TraceHost;
  command: string[];
  cwd: string;
  startedAt: string;
  /** The allow rules in force (command line, then config file). */
  allow: string[];
  /** Fds passed to COMMAND on purpose (--pass). */
  passed: number[];
  execs: ExecRecord[];
  /** COMMAND's exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  summary: TraceSummaryCounts;
  tracer: TracerStats | null;
}

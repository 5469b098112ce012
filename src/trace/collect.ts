/**
 * Turns the tracer's exec stream into what the reporters draw, one exec at a time: each exec is judged
 * against the policy and handed on (to trace.json, say), and only compact aggregates stay here: per
 * program, per distinct (program, inherited set), and the process tree up to a bound.
 */
import { basename } from 'node:path';
import type { ProbeFd } from '../probe/types.ts';
import { isPty, judgeExec, type PolicyInput } from './policy.ts';
import type { RawExec } from './tracer.ts';
import type { ExecRecord, ExecVia, TraceSummaryCounts, Violation } from './types.ts';

/** One fd number and kind that crossed into a program, however often. */
export interface Crossing {
  fd: number;
  type: string;
  /** The target with per-instance numbers folded (`pipe:[…]`), for grouping. */
  target: string;
  /** Execs it crossed into. */
  count: number;
  /** The rule that allowed it, when one did (the first seen). */
  allowedBy: string | null;
  /** Execs in which it was a violation. */
  violations: number;
}

export interface ProgramGroup {
  program: string;
  /** argv[0] of its first exec (`sh` for /usr/bin/dash, `cc` for gcc-12). */
  argv0: string;
  execs: number;
  violatingExecs: number;
  /** Parent program → execs it started. */
  parents: Map<string, number>;
  /** Fds beyond 0, 1 and 2, by fd number, type and folded target. */
  crossings: Map<string, Crossing>;
}

/** A distinct (program, inherited set): one JUnit test case. */
export interface InheritedSet {
  program: string;
  /** Fds beyond 0, 1 and 2 (folded targets), in fd order; empty when only stdio crossed. */
  fds: { fd: number; type: string; target: string }[];
  execs: number;
  /** Violations of the first exec that had any, with its pid and parent. */
  violations: Violation[];
  violatingExecs: number;
  firstViolation: { pid: number; parentProgram: string; ppid: number; via: ExecVia } | null;
  example: { pid: number; parentProgram: string; ppid: number; via: ExecVia; argv: string[] };
  parents: Map<string, number>;
}

/** A process-tree node: one exec. */
export interface TreeNode {
  id: number;
  parentId: number | null;
  pid: number;
  via: ExecVia;
  program: string;
  argv: string[];
  /** Fds beyond 0, 1 and 2 (folded targets); `bad` when the policy did not allow it. */
  crossed: { fd: number; type: string; target: string; bad: boolean }[];
}

export interface TraceModel {
  groups: ProgramGroup[];
  sets: InheritedSet[];
  tree: TreeNode[];
  /** Execs left out of the tree (beyond the bound). */
  treeOmitted: number;
  counts: TraceSummaryCounts;
}

/** Tree nodes kept; beyond it execs are counted, not drawn. */
export const TREE_LIMIT = 20_000;
/** argv words kept per tree node. */
const ARGV_KEPT = 8;
const ARG_CHARS = 200;

/** `pipe:[1234]` → `pipe:[…]`: the same kind of fd in every exec, whichever instance. */
export function foldTarget(target: string): string {
  return target.replace(/^(pipe|socket|anon_inode|pidfd|net|mnt|user|pid|uts|ipc|cgroup|time):\[\d+\]$/, '$1:[…]');
}

function typeOf(fd: ProbeFd): string {
  return isPty(fd) ? 'pty' : fd.type;
}

const bump = (m: Map<string, number>, k: string): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};

export class TraceCollector {
  private readonly groups = new Map<string, ProgramGroup>();
  private readonly sets = new Map<string, InheritedSet>();
  private readonly tree: TreeNode[] = [];
  private treeOmitted = 0;
  private execs = 0;
  private violating = 0;

  constructor(
    private readonly policy: PolicyInput = { rules: [], passed: new Map() },
    private readonly treeLimit = TREE_LIMIT,
  ) {}

  /** Judges one exec, records it in the aggregates and returns the full record. */
  add(raw: RawExec): ExecRecord {
    const { violations, allowed } = judgeExec(raw, this.policy);
    const record: ExecRecord = { ...raw, violations, allowed };
    this.include(record);
    return record;
  }

  /** Records an exec that was judged already (read back from trace.json, say). */
  include(raw: ExecRecord): void {
    const { violations, allowed } = raw;
    this.execs++;
    if (violations.length) this.violating++;
    const bad = new Set(violations.map((v) => v.fd));
    const allowedBy = new Map(allowed.map((a) => [a.fd, a.rule]));
    const beyond = raw.fds.filter((f) => f.fd > 2);

    let g = this.groups.get(raw.program);
    if (!g) {
      g = { program: raw.program, argv0: raw.argv[0] ?? '', execs: 0, violatingExecs: 0, parents: new Map(), crossings: new Map() };
      this.groups.set(raw.program, g);
    }
    g.execs++;
    if (violations.length) g.violatingExecs++;
    bump(g.parents, raw.parentProgram);
    for (const f of beyond) {
      const target = foldTarget(f.target);
      const type = typeOf(f);
      const key = `${f.fd}\u0000${type}\u0000${target}`;
      let c = g.crossings.get(key);
      if (!c) {
        c = { fd: f.fd, type, target, count: 0, allowedBy: null, violations: 0 };
        g.crossings.set(key, c);
      }
      c.count++;
      if (bad.has(f.fd)) c.violations++;
      c.allowedBy ??= allowedBy.get(f.fd) ?? null;
    }

    const fds = beyond.map((f) => ({ fd: f.fd, type: typeOf(f), target: foldTarget(f.target) }));
    const setKey = `${raw.program}\u0000${fds.map((f) => `${f.fd}:${f.type}:${f.target}`).join('\u0001')}`;
    let s = this.sets.get(setKey);
    if (!s) {
      s = {
        program: raw.program,
        fds,
        execs: 0,
        violations: [],
        violatingExecs: 0,
        firstViolation: null,
        example: { pid: raw.pid, parentProgram: raw.parentProgram, ppid: raw.ppid, via: raw.via, argv: raw.argv.slice(0, ARGV_KEPT) },
        parents: new Map(),
      };
      this.sets.set(setKey, s);
    }
    s.execs++;
    bump(s.parents, raw.parentProgram);
    if (violations.length) {
      s.violatingExecs++;
      if (!s.firstViolation) {
        s.violations = violations;
        s.firstViolation = { pid: raw.pid, parentProgram: raw.parentProgram, ppid: raw.ppid, via: raw.via };
      }
    }

    if (this.tree.length < this.treeLimit) {
      this.tree.push({
        id: raw.id,
        parentId: raw.parentId,
        pid: raw.pid,
        via: raw.via,
        program: raw.program,
        argv: raw.argv.slice(0, ARGV_KEPT).map((a) => (a.length > ARG_CHARS ? `${a.slice(0, ARG_CHARS)}…` : a)),
        crossed: beyond.map((f) => ({ fd: f.fd, type: typeOf(f), target: foldTarget(f.target), bad: bad.has(f.fd) })),
      });
    } else {
      this.treeOmitted++;
    }
  }

  model(): TraceModel {
    const groups = [...this.groups.values()].sort(
      (a, b) => b.violatingExecs - a.violatingExecs || basename(a.program).localeCompare(basename(b.program)) || a.program.localeCompare(b.program),
    );
    const sets = [...this.sets.values()].sort(
      (a, b) => a.program.localeCompare(b.program) || a.fds.length - b.fds.length || (a.fds[0]?.fd ?? 0) - (b.fds[0]?.fd ?? 0),
    );
    return {
      groups,
      sets,
      tree: this.tree,
      treeOmitted: this.treeOmitted,
      counts: { execs: this.execs, violating: this.violating, programs: this.groups.size, distinct: this.sets.size },
    };
  }
}

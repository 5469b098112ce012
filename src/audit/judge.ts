/**
 * The verdict, as a pure function of what was planted (the baits) and what the probe saw: each bait
 * found by identity (so a bait the launcher renumbered is still found), the child's other fds,
 * its limits and signals.
 */
import { BAIT_KINDS, type Bait, type SkippedBait } from '../bait/types.ts';
import type { ProbeReport } from '../probe/types.ts';
import type { AuditResult, BaitVerdict, ExtraFd } from './types.ts';

export interface JudgeContext {
  kernel?: string;
  closeStrategy?: string | null;
  scenario?: string;
  /** Kinds the bait set could not open here: listed as skipped, never judged. */
  skippedBaits?: readonly SkippedBait[];
  /** Launch start to the process reaped; 0 when not given. */
  durationMs?: number;
}

/** What judge() needs to know about the launcher. */
export interface JudgedLauncher {
  id: string;
  canPassFds: boolean;
}

/** fds 0-2: the stdio the launcher sets up on purpose, never counted as extra. */
const STDIO_TOP = 2;

export function judge(baits: readonly Bait[], report: ProbeReport, launcher: JudgedLauncher, context: JudgeContext = {}): AuditResult {
  const claimed = new Set<number>();
  const byIdentity = new Map<string, number[]>();
  for (const f of report.fds) {
    const list = byIdentity.get(f.identity) ?? [];
    list.push(f.fd);
    byIdentity.set(f.identity, list);
  }
  // Two baits can share an open file (a dup); each claims one child fd, its own number first.
  const find = (b: Bait): number | null => {
    const candidates = (byIdentity.get(b.identity) ?? []).filter((fd) => !claimed.has(fd));
    const pick = candidates.includes(b.fd) ? b.fd : candidates[0];
    if (pick === undefined) return null;
    claimed.add(pick);
    return pick;
  };
  const ordered = [...baits].sort((a, b) => a.fd - b.fd);
  const found = new Map<Bait, number | null>();
  // Same-number matches first, so a renumbered duplicate cannot take another bait's slot.
  for (const b of ordered) {
    const same = (byIdentity.get(b.identity) ?? []).includes(b.fd) && !claimed.has(b.fd);
    if (same) {
      claimed.add(b.fd);
      found.set(b, b.fd);
    }
  }
  for (const b of ordered) if (!found.has(b)) found.set(b, find(b));

  const judged: BaitVerdict[] = baits.map((b) => {
    const childFd = found.get(b) ?? null;
    const v: BaitVerdict = {
      kind: b.kind,
      fd: b.fd,
      expected: b.expected === 'present' && launcher.canPassFds ? 'present' : 'absent',
      crossed: childFd !== null,
      childFd,
    };
    if (b.target) v.target = b.target;
    return v;
  });

  const verdicts = withSkipped(judged, context.skippedBaits ?? [], launcher);

  const extraFds: ExtraFd[] = report.fds
    .filter((f) => f.fd > STDIO_TOP && !claimed.has(f.fd))
    .map((f) => ({ fd: f.fd, target: f.target, type: f.type }));

  const leaked = verdicts.some((v) => v.crossed && v.expected === 'absent') || extraFds.length > 0;
  const result: AuditResult = {
    launcher: launcher.id,
    kernel: context.kernel ?? 'host',
    status: leaked ? 'leak' : 'sealed',
    baits: verdicts,
    extraFds,
    rlimitNofile: { soft: report.rlimitNofile.soft, hard: report.rlimitNofile.hard },
    signals: { blocked: [...report.signals.blocked], ignored: [...report.signals.ignored] },
    closeStrategy: context.closeStrategy ?? null,
    error: null,
    durationMs: context.durationMs ?? 0,
  };
  if (context.scenario) result.scenario = context.scenario;
  return result;
}

/** Skipped baits in their place in catalogue order; the judged ones keep the order they came in. */
function withSkipped(judged: BaitVerdict[], skipped: readonly SkippedBait[], launcher: JudgedLauncher): BaitVerdict[] {
  if (skipped.length === 0) return judged;
  const rank = (v: BaitVerdict): number => BAIT_KINDS.indexOf(v.kind);
  const marks: BaitVerdict[] = skipped.map((s) => ({
    kind: s.kind,
    fd: null,
    expected: s.kind === 'passed' && launcher.canPassFds ? 'present' : 'absent',
    crossed: false,
    childFd: null,
    skipped: true,
    reason: s.reason,
  }));
  return [...judged, ...marks].sort((a, b) => rank(a) - rank(b));
}

/** A result without a report: the launch failed, the probe died, the report was unreadable, or a timeout. */
export function errorResult(
  launcher: string, kernel: string, status: 'error' | 'skipped', reason: string, scenario?: string, durationMs = 0,
): AuditResult {
  const r: AuditResult = {
    launcher,
    kernel,
    status,
    baits: [],
    extraFds: [],
    rlimitNofile: null,
    signals: null,
    closeStrategy: null,
    error: reason,
    durationMs,
  };
  if (scenario) r.scenario = scenario;
  return r;
}

/**
 * What the custom assertions say when they fail: one line that names the launcher, the bait kind, its fd
 * numbers in parent and child, the target and the kernel personality, so a CI log line alone explains
 * the finding (`node:spawn leaked pipe fd 17 -> child fd 17 (pipe:[123]) [kernel host]`).
 */
import type { AuditResult, BaitVerdict } from '../audit/types.ts';
import type { Limit } from '../probe/types.ts';

/** FD_SETSIZE: select() breaks on fds at or above it, so a child should not start with a higher soft limit. */
export const FD_SETSIZE = 1024;

export function kernelTag(result: Pick<AuditResult, 'kernel'>): string {
  return `[kernel ${result.kernel}]`;
}

function target(b: BaitVerdict): string {
  return b.target ? ` (${b.target})` : '';
}

/** `node:spawn leaked pipe fd 17 -> child fd 17 (pipe:[123]) [kernel host]` */
export function leakedMessage(result: AuditResult, b: BaitVerdict): string {
  const child = b.childFd === null ? 'the child' : `child fd ${b.childFd}`;
  return `${result.launcher} leaked ${b.kind} fd ${b.fd} -> ${child}${target(b)} ${kernelTag(result)}`;
}

/** `native:leak did not pass pipe fd 17 (pipe:[123]) to the child [kernel host]` */
export function notCrossedMessage(result: AuditResult, b: BaitVerdict): string {
  return `${result.launcher} did not pass ${b.kind} fd ${b.fd}${target(b)} to the child ${kernelTag(result)}`;
}

/** One clause per crossing or missing bait, in result order. */
export function baitFindings(result: AuditResult): string[] {
  const out: string[] = [];
  for (const b of result.baits) {
    if (b.expected === 'absent' && b.crossed) out.push(leakedMessage(result, b));
    if (b.expected === 'present' && !b.crossed) out.push(notCrossedMessage(result, b));
  }
  return out;
}

/** `node:spawn passed fd 5 (/tmp/x) that is no bait to the child as fd 5 [kernel host]` */
export function extraFdMessage(result: AuditResult): string | null {
  if (result.extraFds.length === 0) return null;
  const list = result.extraFds.map((e) => `fd ${e.fd} (${e.target})`).join(', ');
  const what = result.extraFds.length === 1 ? 'an fd that is no bait' : `${result.extraFds.length} fds that are no bait`;
  return `${result.launcher} left ${what} open in the child: ${list} ${kernelTag(result)}`;
}

function formatLimit(l: Limit): string {
  return l === 'unlimited' ? 'unlimited' : String(l);
}

function limitAbove(l: Limit, max: number): boolean {
  return l === 'unlimited' || l > max;
}

/** `node:spawn hands the child a soft RLIMIT_NOFILE of 20000, above 1024 [kernel host]`, or null. */
export function softLimitMessage(result: AuditResult, max: number): string | null {
  const soft = result.rlimitNofile?.soft;
  if (soft === undefined) return `${result.launcher} has no RLIMIT_NOFILE reading ${kernelTag(result)}`;
  if (!limitAbove(soft, max)) return null;
  return `${result.launcher} hands the child a soft RLIMIT_NOFILE of ${formatLimit(soft)}, above ${max} ${kernelTag(result)}`;
}

/** `ext:mine left SIGPIPE ignored [kernel host]`, one clause per state, or null when clean. */
export function signalsMessage(result: AuditResult): string | null {
  if (!result.signals) return `${result.launcher} has no signal reading ${kernelTag(result)}`;
  const parts: string[] = [];
  if (result.signals.ignored.length) parts.push(`${result.signals.ignored.join(', ')} ignored`);
  if (result.signals.blocked.length) parts.push(`${result.signals.blocked.join(', ')} blocked`);
  if (parts.length === 0) return null;
  return `${result.launcher} left ${parts.join(' and ')} ${kernelTag(result)}`;
}

/** Why a result has no verdict (error or skipped), in one line. */
export function unjudgedMessage(result: AuditResult): string {
  const why = (result.error ?? 'no reason given').replace(/\s+/g, ' ').trim();
  const what = result.status === 'skipped' ? 'was skipped' : 'could not be audited';
  return `${result.launcher} ${what}: ${why} ${kernelTag(result)}`;
}

/** Everything that keeps a result from being sealed; empty when it is. */
export function sealFindings(result: AuditResult): string[] {
  if (result.status === 'error' || result.status === 'skipped') return [unjudgedMessage(result)];
  const out = baitFindings(result);
  const extra = extraFdMessage(result);
  if (extra) out.push(extra);
  return out;
}

/** `node:spawn is leak, expected sealed: node:spawn leaked pipe fd 17 -> … [kernel host]` */
export function statusMessage(result: AuditResult, expected: string): string {
  const head = `${result.launcher} is ${result.status}, expected ${expected} ${kernelTag(result)}`;
  const why = result.status === 'sealed' ? [] : sealFindings(result);
  return why.length ? `${head}: ${why.join('; ')}` : head;
}

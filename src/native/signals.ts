/**
 * Signal names <-> numbers, with one convention shared by the whole project:
 * classic signals by their canonical name (aliases such as SIGIOT or SIGPOLL
 * are not used), real-time signals as "SIGRTMIN+k" counted from glibc's
 * run-time SIGRTMIN, and the two real-time signals glibc keeps for itself
 * (32 and 33 on Linux) as "SIG32" and "SIG33".
 */
import { constants } from 'node:os';

const ALIASES = new Set(['SIGIOT', 'SIGPOLL', 'SIGUNUSED', 'SIGCLD', 'SIGLOST', 'SIGINFO']);

const byNumber = new Map<number, string>();
const byName = new Map<string, number>();
for (const [name, num] of Object.entries(constants.signals)) {
  if (ALIASES.has(name) || typeof num !== 'number') continue;
  if (!byNumber.has(num)) byNumber.set(num, name);
  byName.set(name, num);
}

/** glibc's SIGRTMIN/SIGRTMAX on Linux (34/64); the first two real-time signals are glibc's own. */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

export function signalName(num: number): string {
  const name = byNumber.get(num);
  if (name) return name;
  if (num >= SIGRTMIN && num <= SIGRTMAX) return num === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${num - SIGRTMIN}`;
  if (num >= 32 && num < SIGRTMIN) return `SIG${num}`;
  throw new RangeError(`unknown signal number ${num}`);
}

/** The number of a signal name; throws a RangeError that names the bad value. */
export function signalNumber(name: string): number {
  const direct = byName.get(name);
  if (direct !== undefined) return direct;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name);
  if (rt) {
    const n = SIGRTMIN + Number(rt[1] ?? 0);
    if (n <= SIGRTMAX) return n;
  }
  const raw = /^SIG(3[23])$/.exec(name);
  if (raw) return Number(raw[1]);
  throw new RangeError(`unknown signal name '${name}' (expected e.g. SIGUSR1, SIGPIPE, SIGRTMIN+2)`);
}

export function isSignalName(name: string): boolean {
  try {
    signalNumber(name);
    return true;
  } catch {
    return false;
  }
}

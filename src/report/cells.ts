/**
 * The colour-free content of the matrix: one cell per bait kind, the extra-fd, soft-limit and
 * signal cells, and the verdict of a result. The terminal table and summary.md both draw these.
 */
import type { AuditResult, BaitVerdict } from '../audit/types.ts';
import type { Limit } from '../probe/types.ts';
import type { Tone } from './color.ts';

/** select() breaks above this; the sealed policy wants the child's soft limit at or below it. */
export const FD_SETSIZE = 1024;

export const SYMBOLS = {
  sealed: '✓',
  leaked: '✗',
  arrived: '→',
  missing: '○',
  untested: '·',
  /** The kernel or sandbox refused the kind here: not opened, nothing tested. */
  skipped: 'skip',
} as const;

/** Short column headers, so twenty-one bait columns fit a terminal; the legend spells them out. */
export const BAIT_HEADERS: Readonly<Record<string, string>> = {
  file: 'file',
  dir: 'dir',
  pipe: 'pipe',
  socketpair: 'sockp',
  'tcp-listen': 'tcp',
  udp: 'udp',
  eventfd: 'evfd',
  timerfd: 'tmfd',
  epoll: 'epoll',
  memfd: 'memfd',
  inotify: 'inot',
  'o-path': 'opath',
  signalfd: 'sigfd',
  pidfd: 'pidfd',
  pty: 'pty',
  'unix-listen': 'unixl',
  netlink: 'nlink',
  'high-fd': 'hifd',
  'above-soft-limit': '>soft',
  cloexec: 'cloex',
  passed: 'pass',
};

export function baitHeader(kind: string): string {
  return BAIT_HEADERS[kind] ?? oneLine(kind);
}

export interface Cell {
  text: string;
  tone: Tone;
}

/** "17", "17,18", or "17+2" for more than two fds, to keep cells narrow. */
export function fdList(fds: readonly number[]): string {
  if (fds.length <= 2) return fds.join(',');
  return `${fds[0]}+${fds.length - 1}`;
}

function childFds(baits: readonly BaitVerdict[]): number[] {
  return baits.flatMap((b) => (typeof b.childFd === 'number' ? [b.childFd] : []));
}

/** The cell for every bait of one kind in one result (usually one bait). */
export function baitCell(all: readonly BaitVerdict[]): Cell {
  if (all.length === 0) return { text: SYMBOLS.untested, tone: 'muted' };
  // A skipped bait proves nothing either way: the cell says so rather than ✓.
  const baits = all.filter((b) => !b.skipped);
  if (baits.length === 0) return { text: SYMBOLS.skipped, tone: 'warn' };
  const leaked = baits.filter((b) => b.expected === 'absent' && b.crossed);
  if (leaked.length > 0) return { text: withFds(SYMBOLS.leaked, childFds(leaked)), tone: 'bad' };
  const missing = baits.filter((b) => b.expected === 'present' && !b.crossed);
  if (missing.length > 0) return { text: SYMBOLS.missing, tone: 'warn' };
  const arrived = baits.filter((b) => b.expected === 'present' && b.crossed);
  if (arrived.length > 0) return { text: withFds(SYMBOLS.arrived, childFds(arrived)), tone: 'good' };
  return { text: SYMBOLS.sealed, tone: 'good' };
}

function withFds(symbol: string, fds: readonly number[]): string {
  return fds.length === 0 ? symbol : `${symbol} ${fdList(fds)}`;
}

export function extraCell(result: AuditResult): Cell {
  if (result.extraFds.length === 0) return { text: SYMBOLS.sealed, tone: 'good' };
  return { text: withFds(SYMBOLS.leaked, result.extraFds.map((e) => e.fd)), tone: 'bad' };
}

export function limitAbove(limit: Limit, max: number): boolean {
  return limit === 'unlimited' || limit > max;
}

export function softCell(result: AuditResult): Cell {
  if (!result.rlimitNofile) return { text: '-', tone: 'muted' };
  const soft = result.rlimitNofile.soft;
  return limitAbove(soft, FD_SETSIZE)
    ? { text: `${SYMBOLS.leaked} ${soft}`, tone: 'bad' }
    : { text: `${SYMBOLS.sealed} ${soft}`, tone: 'good' };
}

/**
 * The launch time in whole milliseconds, rounded up ("1" for 0.4 ms: at most that long); "-" when
 * nothing was launched (skipped) or no duration was recorded. audit.json keeps the fraction.
 */
export function formatDuration(ms: number | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return '-';
  return String(Math.ceil(ms));
}

export function durationCell(result: AuditResult): Cell {
  return { text: formatDuration(result.durationMs), tone: 'muted' };
}

const shortSig = (s: string): string => (s.startsWith('SIG') ? s.slice(3) : s);

export function signalsCell(result: AuditResult): Cell {
  const sig = result.signals;
  if (!sig) return { text: '-', tone: 'muted' };
  const { blocked, ignored } = sig;
  if (blocked.length === 0 && ignored.length === 0) return { text: SYMBOLS.sealed, tone: 'good' };
  const parts: string[] = [];
  // Past three names the cell would dominate the table; counts still say what is wrong.
  if (blocked.length + ignored.length > 3) {
    if (blocked.length) parts.push(`b:${blocked.length}`);
    if (ignored.length) parts.push(`i:${ignored.length}`);
  } else {
    if (blocked.length) parts.push(`b:${blocked.map(shortSig).join(',')}`);
    if (ignored.length) parts.push(`i:${ignored.map(shortSig).join(',')}`);
  }
  return { text: oneLine(`${SYMBOLS.leaked} ${parts.join(' ')}`), tone: 'bad' };
}

export type VerdictWord = 'SEALED' | 'LEAK' | 'ERROR' | 'SKIPPED';

export interface Verdict {
  word: VerdictWord;
  tone: Tone;
  /** Everything after the word, e.g. "12 of 14 baits crossed; soft limit 20000; signals ok". */
  detail: string;
}

const WORDS: Record<AuditResult['status'], { word: VerdictWord; tone: Tone }> = {
  sealed: { word: 'SEALED', tone: 'good' },
  leak: { word: 'LEAK', tone: 'bad' },
  error: { word: 'ERROR', tone: 'bad' },
  skipped: { word: 'SKIPPED', tone: 'warn' },
};

/** One line's worth of verdict for a result. */
export function verdict(result: AuditResult): Verdict {
  const { word, tone } = WORDS[result.status] ?? { word: 'ERROR', tone: 'bad' };
  if (result.status === 'error' || result.status === 'skipped') {
    return { word, tone, detail: oneLine(result.error ?? 'no reason given') };
  }
  const parts: string[] = [crossedPhrase(result.baits.filter((b) => !b.skipped))];
  const skipped = result.baits.filter((b) => b.skipped);
  if (skipped.length > 0) {
    parts.push(`not opened here: ${skipped.map((b) => `${b.kind} (${oneLine(b.reason ?? 'no reason given')})`).join(', ')}`);
  }
  if (result.extraFds.length > 0) {
    const n = result.extraFds.length;
    parts.push(`${n} extra fd${n === 1 ? '' : 's'} (${result.extraFds.map((e) => `${e.fd} ${oneLine(e.target)}`).join(', ')})`);
  }
  // Only the failure is worth a word: an arrived passed fd shows in the table.
  const missing = result.baits.filter((b) => b.expected === 'present' && !b.crossed);
  if (missing.length > 0) parts.push(`passed fd ${missing.map((b) => b.fd).join(', ')} did not arrive`);
  if (result.rlimitNofile) parts.push(`soft limit ${result.rlimitNofile.soft}`);
  if (result.signals) {
    const { blocked, ignored } = result.signals;
    const sig: string[] = [];
    if (blocked.length) sig.push(`blocked ${oneLine(blocked.join(' '))}`);
    if (ignored.length) sig.push(`ignored ${oneLine(ignored.join(' '))}`);
    parts.push(sig.length ? `signals: ${sig.join(', ')}` : 'signals ok');
  }
  if (result.closeStrategy) parts.push(`closed by ${oneLine(result.closeStrategy)}`);
  const scenario = (result as AuditResult & { scenario?: unknown }).scenario;
  if (typeof scenario === 'string' && scenario) parts.push(`scenario: ${oneLine(scenario)}`);
  return { word, tone, detail: parts.join('; ') };
}

function crossedPhrase(baits: readonly BaitVerdict[]): string {
  const absent = baits.filter((b) => b.expected === 'absent');
  const crossed = absent.filter((b) => b.crossed);
  const phrase = `${crossed.length} of ${absent.length} bait${absent.length === 1 ? '' : 's'} crossed`;
  if (crossed.length === 0) return phrase;
  const kinds = (bs: readonly BaitVerdict[]): string => [...new Set(bs.map((b) => b.kind))].join(', ');
  // Name whichever side is shorter: the few that leaked, or the few that held.
  if (crossed.length === absent.length) return `${phrase} (all)`;
  if (crossed.length <= 4) return `${phrase} (${kinds(crossed)})`;
  const held = absent.filter((b) => !b.crossed);
  return held.length <= crossed.length ? `${phrase} (all but ${kinds(held)})` : `${phrase} (${kinds(crossed)})`;
}

// CSI and OSC sequences as terminals and chai's diffs emit them.
const ANSI = /\u001b\[[0-?]*[ -\/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** Removes terminal colour and control sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * Text safe to print in one table cell or line: ANSI sequences removed, whitespace runs
 * (newlines included) collapsed, other control characters shown as \xNN.
 */
export function oneLine(text: string): string {
  return stripAnsi(text)
    .replace(/\s+/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .trim();
}

/** Cuts `text` to `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

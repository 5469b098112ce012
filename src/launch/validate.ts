/**
 * Checks launch arguments before anything starts and turns them into the
 * request the addon takes. Every problem is a TypeError (wrong kind of value)
 * or a RangeError (right kind, value out of range or unknown), and the
 * message names the argument and the value.
 */
import { isMainThread } from 'node:worker_threads';
import { signalNumber } from '../native/signals.ts';
import type { SpawnRequest } from './binding.ts';
import { binding } from './binding.ts';
import { CLOSE_STRATEGIES } from './types.ts';
import type { LaunchOptions } from './types.ts';

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'env', 'cwd', 'argv0', 'stdio', 'keep', 'seal', 'rlimit', 'closeStrategy', 'signalMask', 'ignoreSignals', 'processGroup',
]);

/** Slots beyond this would be fds above the usual soft limit in the child: almost surely a mistake. */
export const MAX_STDIO_SLOTS = 1024;
const MAX_FD = 0x7fffffff;

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

/** A string without NUL bytes (they would silently truncate it at execve). */
function cString(v: unknown, what: string, allowEmpty = true): string {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${show(v)}`);
  if (v.includes('\0')) throw new TypeError(`${what} must not contain NUL bytes, got ${show(v)}`);
  if (!allowEmpty && v === '') throw new TypeError(`${what} must not be empty`);
  return v;
}

function fdNumber(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${what} must be an integer fd number, got ${show(v)}`);
  if (v < 0) throw new RangeError(`${what} must not be negative, got ${v}`);
  if (v > MAX_FD) throw new RangeError(`${what} is not a possible fd number: ${v}`);
  if (!binding().fdIsOpen(v)) throw new RangeError(`${what}: fd ${v} is not open in this process`);
  return v;
}

function signalList(v: unknown, what: string): number[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new TypeError(`${what} must be an array of signal names, got ${show(v)}`);
  return Array.from(v as unknown[], (name, i) => {
    if (typeof name !== 'string') throw new TypeError(`${what}[${i}] must be a signal name, got ${show(name)}`);
    try {
      return signalNumber(name);
    } catch (e) {
      throw new RangeError(`${what}[${i}]: ${(e as Error).message}`);
    }
  });
}

function limitValue(v: unknown, what: string): number {
  if (v === 'unlimited') return -1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new TypeError(`${what} must be a non-negative integer or 'unlimited', got ${show(v)}`);
  }
  return v;
}

/** -1 (unlimited) compares above everything. */
const above = (a: number, b: number): boolean => (a === -1 ? b !== -1 : b !== -1 && a > b);

function rlimitRequest(v: unknown): Pick<SpawnRequest, 'rlimit' | 'soft' | 'hard'> {
  if (v === undefined || v === 'fd-setsize') return { rlimit: 'fd-setsize' };
  if (v === 'inherit') return { rlimit: 'inherit' };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new TypeError(`options.rlimit must be 'fd-setsize', 'inherit' or { soft, hard? }, got ${show(v)}`);
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'soft' && k !== 'hard') throw new TypeError(`options.rlimit: unknown key '${k}'`);
  const soft = limitValue(o.soft, 'options.rlimit.soft');
  const hard = o.hard === undefined ? undefined : limitValue(o.hard, 'options.rlimit.hard');
  const current = binding().getRlimitNofile().hard;
  // Raising the hard limit needs CAP_SYS_RESOURCE; refuse it here rather than fail in the child.
  if (hard !== undefined && above(hard, current)) {
    throw new RangeError(`options.rlimit.hard ${hard === -1 ? "'unlimited'" : hard} is above the current hard limit ${current === -1 ? "'unlimited'" : current}`);
  }
  const ceiling = hard ?? current;
  if (above(soft, ceiling)) {
    throw new RangeError(`options.rlimit.soft ${soft === -1 ? "'unlimited'" : soft} is above the hard limit ${ceiling === -1 ? "'unlimited'" : ceiling}`);
  }
  return hard === undefined ? { rlimit: 'explicit', soft } : { rlimit: 'explicit', soft, hard };
}

/**
 * The child's environment as one string of "K=V" entries separated by NUL bytes (which no entry can
 * hold: they are refused), so the addon converts one string instead of one per variable; or null for
 * "this process's own environ".
 *
 * Without options.env the main thread passes null and the addon hands the C `environ` to execve, as
 * libuv does for a NULL env: Node's process.env setters and `delete` go through setenv/unsetenv on the
 * main thread's store, so environ is exactly what process.env shows, and nothing is copied per launch.
 * A worker thread's process.env is a private copy (unless the worker was given SHARE_ENV) that environ
 * does not reflect, so a worker enumerates it.
 */
function envBlock(v: unknown): string | null {
  if (v === undefined && isMainThread) return null;
  const env = v === undefined ? process.env : v;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw new TypeError(`options.env must be an object of strings, got ${show(env)}`);
  }
  let block = '';
  let first = true;
  for (const k in env) {
    if (!Object.hasOwn(env, k)) continue;
    const val = (env as Record<string, unknown>)[k];
    if (val === undefined) continue;
    cString(k, 'options.env key', false);
    if (k.includes('=')) throw new TypeError(`options.env key must not contain '=', got ${show(k)}`);
    block += `${first ? '' : '\0'}${k}=${cString(val, `options.env.${k}`)}`;
    first = false;
  }
  return block;
}

export interface Validated {
  /** The file as given, for PATH lookup and error messages. */
  file: string;
  request: SpawnRequest;
  /** PATH to search when file has no slash (the child's env, as child_process does). */
  searchPath: string | undefined;
}

/** Validates (file, args, options) and builds the addon request; the file is not resolved yet. */
export function validate(file: unknown, args: unknown, options: unknown, variant: string | null): Validated {
  const f = cString(file, 'file', false);
  if (args === undefined) args = [];
  if (!Array.isArray(args)) throw new TypeError(`args must be an array of strings, got ${show(args)}`);
  const argList = Array.from(args as unknown[], (a, i) => cString(a, `args[${i}]`)); // holes read as undefined

  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`options must be an object, got ${show(options)}`);
  const o = options as LaunchOptions & Record<string, unknown>;
  for (const k of Object.keys(o)) if (!OPTION_KEYS.has(k)) throw new TypeError(`unknown option '${k}'`);

  const argv0 = o.argv0 === undefined ? f : cString(o.argv0, 'options.argv0');
  const cwd = o.cwd === undefined ? null : cString(o.cwd, 'options.cwd', false);
  const envp = envBlock(o.env);

  // null: the default, this process's 0, 1, 2, where one that is closed here stays closed in the
  // child; the addon looks at them itself, in the same call that launches.
  let stdio: number[] | null = null;
  if (o.stdio !== undefined) {
    if (!Array.isArray(o.stdio)) throw new TypeError(`options.stdio must be an array of fds or null, got ${show(o.stdio)}`);
    if (o.stdio.length > MAX_STDIO_SLOTS) throw new RangeError(`options.stdio has ${o.stdio.length} slots; at most ${MAX_STDIO_SLOTS}`);
    stdio = Array.from(o.stdio as unknown[], (fd, i) => (fd === null ? -1 : fdNumber(fd, `options.stdio[${i}]`)));
  }

  let keep: number[] = [];
  if (o.keep !== undefined) {
    if (!Array.isArray(o.keep)) throw new TypeError(`options.keep must be an array of fds, got ${show(o.keep)}`);
    keep = Array.from(o.keep as unknown[], (fd, i) => {
      const n = fdNumber(fd, `options.keep[${i}]`);
      const slots = stdio === null ? 3 : stdio.length;
      if (n < slots) {
        throw new RangeError(`options.keep[${i}]: fd ${n} collides with stdio slot ${n} (keep fds must be >= stdio.length, ${slots})`);
      }
      return n;
    });
  }

  if (o.seal !== undefined && typeof o.seal !== 'boolean') throw new TypeError(`options.seal must be a boolean, got ${show(o.seal)}`);
  if (o.processGroup !== undefined && typeof o.processGroup !== 'boolean') {
    throw new TypeError(`options.processGroup must be a boolean, got ${show(o.processGroup)}`);
  }
  const strategy = o.closeStrategy ?? 'auto';
  if (typeof strategy !== 'string') throw new TypeError(`options.closeStrategy must be a string, got ${show(strategy)}`);
  if (strategy !== 'auto' && !(CLOSE_STRATEGIES as readonly string[]).includes(strategy)) {
    throw new RangeError(`unknown options.closeStrategy ${show(strategy)} (expected 'auto', ${CLOSE_STRATEGIES.map((s) => `'${s}'`).join(', ')})`);
  }

  const mask = signalList(o.signalMask, 'options.signalMask');
  const ignore = signalList(o.ignoreSignals, 'options.ignoreSignals');
  for (const [i, sig] of ignore.entries()) {
    if (sig === 9 || sig === 19) throw new RangeError(`options.ignoreSignals[${i}]: ${String(o.ignoreSignals?.[i])} cannot be ignored`);
  }

  const request: SpawnRequest = {
    variant,
    file: f,
    argv: [argv0, ...argList],
    envp,
    cwd,
    stdio,
    keep,
    seal: o.seal ?? true,
    strategy,
    ...rlimitRequest(o.rlimit),
    mask,
    ignore,
    setpgid: o.processGroup ?? false,
  };
  // As libuv does for child_process: the child's PATH if its env has one, else ours. Only a file
  // without a slash is looked up, so only then is PATH read.
  let searchPath: string | undefined;
  if (!f.includes('/')) {
    const childEnv = o.env as Record<string, string | undefined> | undefined;
    searchPath = childEnv?.PATH ?? process.env.PATH;
  }
  return { file: f, request, searchPath };
}

/**
 * fd, RLIMIT_NOFILE and signal primitives (native/addon/fdops.cc). Node opens
 * everything O_CLOEXEC; these open fds a careless launcher would pass on, for
 * the baits and the tests. Every opener takes `cloexec` (default false).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { addonPart } from './addon.ts';
import { signalName, signalNumber } from './signals.ts';
import type { Limit } from '../probe/types.ts';
import { readProcStat } from './procstat.ts';

interface FdOpsBinding {
  pipe(cloexec: boolean): [number, number];
  socketpair(cloexec: boolean): [number, number];
  eventfd(initval: number, cloexec: boolean): number;
  timerfd(intervalMs: number, cloexec: boolean): number;
  epoll(cloexec: boolean): number;
  epollAdd(epfd: number, fd: number, data: number): void;
  memfd(name: string, cloexec: boolean): number;
  inotify(cloexec: boolean): number;
  inotifyAddWatch(fd: number, path: string): number;
  tcpListen(cloexec: boolean): { fd: number; port: number };
  udp(cloexec: boolean): { fd: number; port: number };
  signalfd(signals: number[], cloexec: boolean): number;
  pidfd(pid: number, cloexec: boolean): number;
  ptmx(cloexec: boolean): number;
  unixListen(cloexec: boolean): { fd: number; address: string };
  netlink(cloexec: boolean): number;
  open(path: string, mode: OpenMode, cloexec: boolean): number;
  dupAbove(fd: number, min: number, cloexec: boolean): number;
  dupTo(fd: number, target: number, cloexec: boolean): number;
  setCloexec(fd: number, on: boolean): void;
  getCloexec(fd: number): boolean;
  isOpen(fd: number): boolean;
  close(fd: number): void;
  getRlimitNofile(): { soft: Limit; hard: Limit };
  setRlimitNofile(soft: Limit, hard?: Limit): void;
  threadSignalMask(): number[];
  setThreadSignalMask(mask: number[]): number[];
  signalDisposition(sig: number): SignalDisposition;
  setSignalDisposition(sig: number, d: 'default' | 'ignore'): void;
  saveSignal(sig: number): Buffer;
  restoreSignal(sig: number, saved: Buffer): void;
  raiseInThread(sig: number): void;
}

export type OpenMode = 'r' | 'w' | 'rw' | 'dir' | 'path';
export type SignalDisposition = 'default' | 'ignore' | 'handler';

let binding: FdOpsBinding | undefined;
function b(): FdOpsBinding {
  binding ??= addonPart<FdOpsBinding>('fdops');
  return binding;
}

export const pipe = (cloexec = false): [number, number] => b().pipe(cloexec);
export const socketpair = (cloexec = false): [number, number] => b().socketpair(cloexec);
export const eventfd = (initval = 0, cloexec = false): number => b().eventfd(initval, cloexec);
/** A timerfd armed far in the future with a distinctive interval (visible in fdinfo). */
export const timerfd = (intervalMs = 1000, cloexec = false): number => b().timerfd(intervalMs, cloexec);
export const epoll = (cloexec = false): number => b().epoll(cloexec);
export const epollAdd = (epfd: number, fd: number, data = 0): void => b().epollAdd(epfd, fd, data);
export const memfd = (name: string, cloexec = false): number => b().memfd(name, cloexec);
export const inotify = (cloexec = false): number => b().inotify(cloexec);
export const inotifyAddWatch = (fd: number, path: string): number => b().inotifyAddWatch(fd, path);
/** A TCP socket listening on 127.0.0.1 on a kernel-chosen port. */
export const tcpListen = (cloexec = false): { fd: number; port: number } => b().tcpListen(cloexec);
/** A UDP socket bound to 127.0.0.1 on a kernel-chosen port. */
export const udp = (cloexec = false): { fd: number; port: number } => b().udp(cloexec);
/** A signalfd for these signals (names); it changes no disposition and no mask. */
export const signalfd = (signals: readonly string[], cloexec = false): number => b().signalfd(signals.map(signalNumber), cloexec);
/** pidfd_open(pid); O_CLOEXEC cleared unless `cloexec` (pidfd_open always sets it). */
export const pidfd = (pid: number, cloexec = false): number => b().pidfd(pid, cloexec);
/** A pty master from /dev/ptmx (O_NOCTTY). */
export const ptmx = (cloexec = false): number => b().ptmx(cloexec);
/** A listening AF_UNIX stream socket on a kernel-chosen abstract address ("@…"). */
export const unixListen = (cloexec = false): { fd: number; address: string } => b().unixListen(cloexec);
/** An unbound NETLINK_ROUTE socket. */
export const netlink = (cloexec = false): number => b().netlink(cloexec);
export const open = (path: string, mode: OpenMode = 'r', cloexec = false): number => b().open(path, mode, cloexec);
/** F_DUPFD: the lowest free fd >= min (must be below the soft limit). */
export const dupAbove = (fd: number, min: number, cloexec = false): number => b().dupAbove(fd, min, cloexec);
/** dup3 onto exactly `target`, which must not be open; above the soft limit this fails (EBADF). */
export const dupTo = (fd: number, target: number, cloexec = false): number => b().dupTo(fd, target, cloexec);
export const setCloexec = (fd: number, on: boolean): void => b().setCloexec(fd, on);
export const getCloexec = (fd: number): boolean => b().getCloexec(fd);
export const isOpen = (fd: number): boolean => b().isOpen(fd);
export const close = (fd: number): void => b().close(fd);
export const getRlimitNofile = (): { soft: Limit; hard: Limit } => b().getRlimitNofile();
export const setRlimitNofile = (soft: Limit, hard?: Limit): void => b().setRlimitNofile(soft, hard);

/** Open fds of this process (the directory fd used to list them is left out). */
export function openFds(): number[] {
  const names = readdirSync('/proc/self/fd');
  const fds: number[] = [];
  for (const n of names) {
    const fd = Number(n);
    // The listing's own directory fd is closed by now: it no longer resolves.
    try {
      readlinkSync(`/proc/self/fd/${n}`);
      fds.push(fd);
    } catch {
      /* gone: the readdir fd */
    }
  }
  return fds.sort((a, b2) => a - b2);
}

/** Pids of this process's children (of any of its threads) that have exited and not been reaped. */
export function zombieChildren(): number[] {
  const me = process.pid;
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${me}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    let children: string;
    try {
      children = readFileSync(`/proc/${me}/task/${t}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of children.trim().split(/\s+/).filter(Boolean)) {
      // null: reaped meanwhile.
      if (readProcStat(Number(c))?.state === 'Z') out.push(Number(c));
    }
  }
  return out;
}

/** Blocked signals of the calling thread, by name. */
export function threadSignalMask(): string[] {
  return b().threadSignalMask().map(signalName);
}

/** Replaces the calling thread's mask; returns the previous one (names). */
export function setThreadSignalMask(names: readonly string[]): string[] {
  return b().setThreadSignalMask(names.map(signalNumber)).map(signalName);
}

export function signalDisposition(name: string): SignalDisposition {
  return b().signalDisposition(signalNumber(name));
}

/** Sends a signal to the calling thread only (pthread_kill). */
export function raiseInThread(name: string): void {
  b().raiseInThread(signalNumber(name));
}

/**
 * Sets a signal state for the calling thread and process, and returns a
 * function that restores exactly what was there before (handlers included).
 */
export function applySignalState(state: { blocked?: readonly string[]; ignored?: readonly string[]; defaulted?: readonly string[] }): () => void {
  const saved: Array<[number, Buffer]> = [];
  const restoreAll = (prevMask: string[] | undefined): void => {
    for (const [sig, buf] of saved.reverse()) b().restoreSignal(sig, buf);
    if (prevMask) b().setThreadSignalMask(prevMask.map(signalNumber));
  };
  let prevMask: string[] | undefined;
  try {
    for (const [list, d] of [[state.ignored, 'ignore'], [state.defaulted, 'default']] as const) {
      for (const name of list ?? []) {
        const sig = signalNumber(name);
        saved.push([sig, b().saveSignal(sig)]);
        b().setSignalDisposition(sig, d);
      }
    }
    if (state.blocked) {
      const cur = threadSignalMask();
      prevMask = setThreadSignalMask([...new Set([...cur, ...state.blocked])]);
    }
  } catch (err) {
    restoreAll(prevMask);
    throw err;
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    restoreAll(prevMask);
  };
}

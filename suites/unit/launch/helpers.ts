/**
 * Test helpers for the launcher specs: run fdaudit-fdlist (a child that
 * reports what it inherited) through launchSync, run the launch fixture in a
 * subprocess (own fds 0/1/2, lowered limits, kernel personalities), and count
 * what a launch could leave behind (fds, zombies).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, fstatSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binding } from '../../../src/launch/binding.ts';
import { launchSync } from '../../../src/launch/index.ts';
import type { CloseStrategy, LaunchOptions, LaunchSyncResult } from '../../../src/launch/types.ts';
import { openFds, zombieChildren } from '../../../src/native/fdops.ts';
import { nativePath, packageRoot } from '../../../src/native/paths.ts';
import type { EdgeJob, EdgeResult } from './edge.fixture.ts';

export interface Seen {
  pid: number;
  pgid: number;
  fds: Array<{ fd: number; cloexec: boolean; dev: number; ino: number }>;
  soft: number | 'unlimited';
  hard: number | 'unlimited';
  blocked: number[];
  ignored: number[];
  handled: number[];
  cwd: string;
}

/**
 * What this process's kernel (or the personality the whole suite runs under)
 * allows, so the expectations hold on the host and under linux-5.2 alike.
 */
export const hostAllows = {
  closeRange: (): boolean => binding().closeRangeAvailable(),
  proc: (): boolean => existsSync('/proc/self/fd'),
  pidfd: (): boolean => binding().pidfdAvailable(),
};

/** Is `got` what 'auto' should report here: close_range where it works, a fallback otherwise. */
export function isExpectedAuto(got: CloseStrategy | null): boolean {
  return hostAllows.closeRange() ? got === 'close_range' : got !== null && got !== 'close_range';
}

export const fdlistPath = (): string => nativePath('fdaudit-fdlist');

let counter = 0;
export function tempPath(tag: string): string {
  return join(tmpdir(), `fdaudit-${tag}-${process.pid}-${counter++}`);
}

/** launchSync of fdaudit-fdlist with `options`; what the child saw, and the launch result. */
export function see(options: LaunchOptions = {}): { seen: Seen; result: LaunchSyncResult } {
  const out = tempPath('seen.json');
  try {
    const result = launchSync(fdlistPath(), [out], options);
    if (result.code !== 0) throw new Error(`fdaudit-fdlist exited ${result.code} ${result.signal}`);
    return { seen: JSON.parse(readFileSync(out, 'utf8')) as Seen, result };
  } finally {
    rmSync(out, { force: true });
  }
}

export const fdNumbers = (s: Seen): number[] => s.fds.map((f) => f.fd);

/** dev:ino of an fd in this process, to compare with what a child saw. */
export function identity(fd: number): string {
  const st = fstatSync(fd);
  return `${st.dev}:${st.ino}`;
}

export function childIdentity(s: Seen, fd: number): string | undefined {
  const f = s.fds.find((x) => x.fd === fd);
  return f ? `${f.dev}:${f.ino}` : undefined;
}

/** What a launch may leave behind: open fds of this process, and unreaped children. */
export function leftovers(): { fds: number[]; zombies: number[] } {
  return { fds: openFds(), zombies: zombieChildren() };
}

/**
 * Fds open now that were not open before. Other parts of the test process
 * may close fds meanwhile (a previous spec's streams finishing), so a launch
 * that leaks is one that adds fds, not one that changes the count.
 */
export function newFds(before: { fds: number[] }, after: { fds: number[] }): number[] {
  const had = new Set(before.fds);
  return after.fds.filter((fd) => !had.has(fd));
}

export interface FixtureJob {
  /** Close fd 0 first, then open a pipe (its read end lands on 0). */
  closeStdinForPipe?: boolean;
  /** Non-CLOEXEC pipe read ends placed at these numbers (each its own pipe). */
  openAt?: number[];
  /** Mark these fds CLOEXEC before launching. */
  cloexec?: number[];
  /** Baits: non-CLOEXEC fds at these numbers; then the soft limit is lowered to lowerSoftTo. */
  baits?: number[];
  /** Also a non-CLOEXEC pipe at the lowest free numbers. */
  lowBait?: boolean;
  lowerSoftTo?: number;
  launches: Array<{ options: LaunchOptions }>;
}

export interface FixtureResult {
  /** dev:ino of this fixture's fds 0..max. */
  parent: Record<string, string>;
  /** Numbers of every bait opened (lowBait's pipe first). */
  baits: number[];
  soft: number | 'unlimited';
  hard: number | 'unlimited';
  launches: Array<{ seen?: Seen; result?: LaunchSyncResult; error?: { name: string; code?: string; syscall?: string; message: string } }>;
}

/**
 * Runs suites/unit/launch/launch.fixture.ts in a fresh Node process whose fds 0, 1
 * and 2 are three distinct pipes, optionally under `wrapper` (argv prefix,
 * e.g. the kernel personality wrapper or a launcher that lowers limits).
 */
export function runFixture(job: FixtureJob, wrapper: string[] = []): FixtureResult {
  const jobPath = tempPath('job.json');
  const outPath = tempPath('fixture-out.json');
  const fixture = join(packageRoot, 'suites', 'unit', 'launch', 'launch.fixture.ts');
  try {
    const argv = [...wrapper, process.execPath, '--import', 'tsx', fixture, JSON.stringify(job), outPath];
    const [cmd, ...rest] = argv;
    const r = spawnSync(cmd as string, rest, { stdio: ['pipe', 'pipe', 'pipe'], cwd: packageRoot, timeout: 120_000, encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(outPath)) {
      throw new Error(`launch fixture failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
    }
    return JSON.parse(readFileSync(outPath, 'utf8')) as FixtureResult;
  } finally {
    rmSync(jobPath, { force: true });
    rmSync(outPath, { force: true });
  }
}

/**
 * Runs suites/unit/launch/edge.fixture.ts in a fresh Node process (its own fds, signal dispositions
 * and limits), optionally under `wrapper` (fdaudit-kernel, fdaudit-fault, or both).
 */
export function runEdge(job: EdgeJob, wrapper: string[] = []): EdgeResult {
  const outPath = tempPath('edge-out.json');
  const fixture = join(packageRoot, 'suites', 'unit', 'launch', 'edge.fixture.ts');
  try {
    const argv = [...wrapper, process.execPath, '--import', 'tsx', fixture, JSON.stringify(job), outPath];
    const [cmd, ...rest] = argv;
    const r = spawnSync(cmd as string, rest, { stdio: ['pipe', 'pipe', 'pipe'], cwd: packageRoot, timeout: 120_000, encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(outPath)) {
      throw new Error(`edge fixture failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
    }
    return JSON.parse(readFileSync(outPath, 'utf8')) as EdgeResult;
  } finally {
    rmSync(outPath, { force: true });
  }
}

/** argv prefix that runs a program under a kernel personality (fdaudit-kernel --as NAME). */
export const underKernel = (name: string): string[] => [nativePath('fdaudit-kernel'), '--as', name, '--'];

/** argv prefix that kills a program making one of these syscalls (fdaudit-fault, test-only). */
export const killingOn = (...syscalls: string[]): string[] => [nativePath('fdaudit-fault'), ...syscalls.flatMap((s) => ['--kill', s]), '--'];

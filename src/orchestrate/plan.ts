/**
 * `fdaudit run`: the command line turned into a plan, every problem a UsageError that names the bad
 * value (and lists the valid ones) before anything starts. The plan is plain data: matrix workers get
 * it as JSON and rebuild the user launchers from it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BAIT_KINDS, type BaitKind } from '../bait/types.ts';
import { parseKernelList } from '../kernels/parse.ts';
import type { KernelId } from '../kernels/types.ts';
import type { Launcher } from '../launchers/types.ts';
import { clearSubstitutes, isLauncherId, launcherIds, substituteLauncher } from '../launchers/registry.ts';
import { userLauncherId } from '../launchers/user.ts';
import { packageRoot } from '../native/paths.ts';
import { checkHostName } from '../report/host.ts';
import { EXPECTATIONS, type Expectation, type UserLauncherEntry } from '../runner/state.ts';
import { selectLaunchers } from './selection.ts';
import { checkOut, checkReporterNames } from './checks.ts';
import { checkChoices, UsageError } from './errors.ts';

/** Output a run can produce: japa's console reporters, the terminal table, the report files, annotations. */
export const RUN_REPORTERS = ['spec', 'dot', 'table', 'json', 'junit', 'summary', 'github'] as const;
export type RunReporter = (typeof RUN_REPORTERS)[number];

export interface RunCliOptions {
  launcher?: string[];
  kernel?: string[];
  bait?: string[];
  exec?: string[];
  expect?: string[];
  reporter?: string[];
  out: string;
  grep?: string;
  config?: string;
  timeout: number;
  workerTimeout: number;
  color?: boolean;
  /** --host-name: the name of this host in audit.json (default: the hostname). */
  hostName?: string;
  /** Fail (exit 1) on every skipped test or result. */
  strict?: boolean;
  /** Hidden: `ID=SUBSTITUTE`, the mutation check's way to run ID's expectations against another launcher. */
  substitute?: string[];
}

export interface RunPlan {
  /** Spec paths or globs as given (relative to cwd); empty = the shipped audit suite. */
  specs: string[];
  cwd: string;
  /** --launcher ids plus every user launcher; null = no restriction. */
  launchers: string[] | null;
  baits: BaitKind[] | null;
  kernels: KernelId[];
  execSpecs: string[];
  /** Config file to load (explicit --config, or the one found in cwd), absolute; null = none. */
  configFile: string | null;
  userLaunchers: UserLauncherEntry[];
  reporters: RunReporter[];
  /** Absolute report directory. */
  out: string;
  grep: string | null;
  timeoutMs: number;
  workerTimeoutMs: number;
  color: boolean | undefined;
  /** The host's name in the reports (--host-name); absent = the hostname. */
  hostName?: string;
  /** --strict: every skipped test or result fails the run. */
  strict: boolean;
  /** id → built-in launcher that stands in for it in this run (--substitute); absent or empty = none. */
  substitutes?: Record<string, string>;
}

/** The shipped audit suite: suites/audit/*.spec.ts of the package. */
export function defaultSpecDir(): string {
  return join(packageRoot, 'suites', 'audit');
}

const GLOB_CHARS = /[*?[\]{}]/;

function checkSpecs(specs: readonly string[], cwd: string): void {
  if (specs.length === 0) {
    const dir = defaultSpecDir();
    let shipped: string[] = [];
    try {
      shipped = readdirSync(dir).filter((n) => /\.spec\.(ts|js|mjs)$/.test(n));
    } catch {
      // reported below
    }
    if (shipped.length === 0) throw new UsageError(`no spec given, and the shipped audit suite is missing at ${dir}; name spec files to run`);
  }
  for (const s of specs) {
    if (GLOB_CHARS.test(s)) continue;
    const p = resolve(cwd, s);
    if (!existsSync(p)) throw new UsageError(`spec file '${s}' does not exist`);
    if (!statSync(p).isFile()) throw new UsageError(`spec '${s}' is not a file (give files or a glob such as '${s}/**/*.spec.ts')`);
  }
}

function checkReporters(values: readonly string[] | undefined, env: NodeJS.ProcessEnv): RunReporter[] {
  return checkReporterNames(values, RUN_REPORTERS, ['spec', 'table', 'json', 'junit', 'summary'], env);
}

function checkExpectations(
  given: readonly string[] | undefined,
  fromConfig: Record<string, string>,
  users: readonly Launcher[],
): Map<string, Expectation> {
  const ids = users.map((l) => l.id);
  const out = new Map<string, Expectation>();
  const put = (id: string, verdict: string, origin: string): void => {
    if (!ids.includes(id)) {
      const valid = ids.length ? ids.join(', ') : 'none (add one with --exec NAME=TEMPLATE)';
      throw new UsageError(`${origin}: '${id}' is not a user launcher of this run; user launchers: ${valid}`);
    }
    if (!(EXPECTATIONS as readonly string[]).includes(verdict)) {
      throw new UsageError(`${origin}: unknown expectation '${verdict}'; valid: ${EXPECTATIONS.join(', ')}`);
    }
    out.set(id, verdict as Expectation);
  };
  for (const [id, verdict] of Object.entries(fromConfig)) put(id, verdict, `config expect.${id}`);
  for (const spec of given ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--expect '${spec}': expected NAME=VERDICT, e.g. mine=leak (verdicts: ${EXPECTATIONS.join(', ')})`);
    let id: string;
    try {
      id = userLauncherId(spec.slice(0, eq).trim(), `--expect '${spec}'`);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    put(id, spec.slice(eq + 1).trim(), `--expect '${spec}'`);
  }
  return out;
}

/** `--substitute ID=SUBSTITUTE…`: both built-in ids, different, each ID once. */
function checkSubstitutes(given: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of given ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--substitute '${spec}': expected ID=SUBSTITUTE, e.g. native=mutant:naive-dup`);
    const id = spec.slice(0, eq).trim();
    const impl = spec.slice(eq + 1).trim();
    checkChoices('launcher', [id, impl], launcherIds());
    if (id === impl) throw new UsageError(`--substitute '${spec}': a launcher cannot stand in for itself`);
    if (Object.hasOwn(out, id)) throw new UsageError(`--substitute: '${id}' is substituted twice`);
    out[id] = impl;
  }
  return out;
}

/**
 * Puts the plan's substitutions in force in this process (the CLI, and each kernel-matrix worker);
 * returns what ends them. A plan without any changes nothing.
 */
export function applySubstitutes(plan: RunPlan): () => void {
  const entries = Object.entries(plan.substitutes ?? {});
  if (entries.length === 0) return () => {};
  for (const [id, impl] of entries) substituteLauncher(id, impl);
  return clearSubstitutes;
}

/** Validates the command line and builds the plan; also returns the user launcher objects it loaded. */
export async function buildRunPlan(
  specs: readonly string[],
  opts: RunCliOptions,
  cwd = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ plan: RunPlan; userLaunchers: Launcher[] }> {
  // Every launcher (built-in and user) first, so --launcher can name user launchers too.
  const selectOpts: { bait?: string[]; exec?: string[]; config?: string } = {};
  if (opts.bait) selectOpts.bait = opts.bait;
  if (opts.exec) selectOpts.exec = opts.exec;
  if (opts.config !== undefined) selectOpts.config = opts.config;
  const selection = await selectLaunchers(selectOpts);
  const allUsers = selection.launchers.filter((l) => !isLauncherId(l.id));
  if (opts.launcher && opts.launcher.length) {
    checkChoices('launcher', opts.launcher, selection.launchers.map((l) => l.id));
  }
  const expectations = checkExpectations(opts.expect, selection.config?.expect ?? {}, allUsers);

  let kernels: KernelId[];
  try {
    kernels = parseKernelList(opts.kernel && opts.kernel.length ? opts.kernel : ['host']);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  checkSpecs(specs, cwd);
  const reporters = checkReporters(opts.reporter, env);
  if (opts.grep !== undefined && opts.grep === '') throw new UsageError('--grep needs a text');
  const substitutes = checkSubstitutes(opts.substitute);
  let hostName: string | undefined;
  if (opts.hostName !== undefined) {
    try {
      hostName = checkHostName(opts.hostName);
    } catch (err) {
      throw new UsageError(`--host-name: ${(err as Error).message}`);
    }
  }
  // Last: it creates the directory, so every other check has passed.
  const out = checkOut(opts.out, cwd);

  const userEntries: UserLauncherEntry[] = allUsers.map((l) => ({
    id: l.id,
    source: l.description,
    expect: expectations.get(l.id) ?? 'sealed',
  }));
  const launchers = opts.launcher && opts.launcher.length
    ? [...new Set([...opts.launcher, ...userEntries.map((u) => u.id)])]
    : null;
  const plan: RunPlan = {
    specs: [...specs],
    cwd,
    launchers,
    baits: opts.bait && opts.bait.length ? selection.baits.filter((k) => BAIT_KINDS.includes(k)) : null,
    kernels,
    execSpecs: [...(opts.exec ?? [])],
    configFile: selection.config?.path ?? null,
    userLaunchers: userEntries,
    reporters,
    out,
    grep: opts.grep ?? null,
    timeoutMs: opts.timeout,
    workerTimeoutMs: opts.workerTimeout,
    color: opts.color,
    strict: opts.strict === true,
  };
  if (Object.keys(substitutes).length) plan.substitutes = substitutes;
  if (hostName !== undefined) plan.hostName = hostName;
  return { plan, userLaunchers: allUsers };
}

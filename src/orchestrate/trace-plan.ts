/**
 * `fdaudit trace`: the command line turned into a plan, every problem a UsageError that names the bad
 * value before anything starts (the report directory and reporter names checked as `run` checks them).
 */
import { resolve } from 'node:path';
import { parseKernelList } from '../kernels/parse.ts';
import type { KernelId } from '../kernels/types.ts';
import { ConfigError, loadConfig } from '../launchers/config.ts';
import { describeFd } from '../probe/describe.ts';
import { AllowRuleError, parseAllowRule, type AllowRule } from '../trace/policy.ts';
import { checkCommand, TraceRefused } from '../trace/tracer.ts';
import { checkOut, checkReporterNames } from './checks.ts';
import { UsageError } from './errors.ts';

/** What a trace can produce: the terminal table, trace.json, junit.xml, summary.md, GitHub annotations. */
export const TRACE_REPORTERS = ['table', 'json', 'junit', 'summary', 'github'] as const;
export type TraceReporter = (typeof TRACE_REPORTERS)[number];

export interface TraceCliOptions {
  allow?: string[];
  pass?: string[];
  out: string;
  reporter?: string[];
  /** '-' for stdout, or a file path; default: trace.json in --out. */
  json?: string;
  config?: string;
  kernel?: string;
  color?: boolean;
}

export interface TracePlan {
  command: string[];
  cwd: string;
  /** --allow rules, then the config file's trace.allow. */
  rules: AllowRule[];
  passed: number[];
  /** Identity of each passed fd → the fd number it was passed as. */
  passedIdentities: Map<string, number>;
  reporters: TraceReporter[];
  /** Absolute report directory. */
  out: string;
  /** Where trace.json goes: '-' (stdout), an absolute path, or null (not written). */
  json: string | null;
  kernel: KernelId;
  color: boolean | undefined;
  configFile: string | null;
}

function checkPass(values: readonly string[] | undefined): { fds: number[]; identities: Map<string, number> } {
  const fds: number[] = [];
  const identities = new Map<string, number>();
  for (const v of values ?? []) {
    const fd = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(fd)) throw new UsageError(`--pass '${v}': expected an fd number such as 3`);
    if (fd <= 2) throw new UsageError(`--pass ${fd}: fds 0, 1 and 2 are passed anyway`);
    let identity: string;
    try {
      identity = describeFd(fd).identity;
    } catch {
      throw new UsageError(`--pass ${fd}: fd ${fd} is not open in fdaudit (open it in the shell that runs fdaudit, e.g. 3</path)`);
    }
    if (!fds.includes(fd)) fds.push(fd);
    identities.set(identity, fd);
  }
  return { fds, identities };
}

export async function buildTracePlan(
  command: readonly string[],
  opts: TraceCliOptions,
  cwd = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<TracePlan> {
  if (command.length === 0) throw new UsageError('no COMMAND given: fdaudit trace [options] -- COMMAND [ARG]...');
  const rules: AllowRule[] = [];
  for (const text of opts.allow ?? []) {
    try {
      rules.push(parseAllowRule(text));
    } catch (err) {
      if (err instanceof AllowRuleError) throw new UsageError(`--allow: ${err.message}`);
      throw err;
    }
  }
  let configFile: string | null = null;
  try {
    const config = await loadConfig(opts.config, cwd);
    if (config) {
      configFile = config.path;
      config.traceAllow.forEach((text, i) => {
        try {
          rules.push(parseAllowRule(text));
        } catch (err) {
          if (err instanceof AllowRuleError) throw new UsageError(`config ${config.path}: trace.allow[${i}]: ${err.message}`);
          throw err;
        }
      });
    }
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const { fds: passed, identities } = checkPass(opts.pass);
  let kernel: KernelId = 'host';
  if (opts.kernel !== undefined) {
    let list: KernelId[];
    try {
      list = parseKernelList([opts.kernel]);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (list.length !== 1) throw new UsageError(`--kernel ${opts.kernel}: trace runs under one personality at a time`);
    kernel = list[0] as KernelId;
  }
  // With --json - standard output carries the report alone: nothing else is produced unless asked for.
  const toStdout = opts.json === '-';
  const reporters = toStdout && (!opts.reporter || opts.reporter.length === 0)
    ? []
    : checkReporterNames(opts.reporter, TRACE_REPORTERS, ['table', 'json', 'junit', 'summary'], env);
  if (opts.json === '') throw new UsageError('--json needs a file name, or - for standard output');
  const out = checkOut(opts.out, cwd);
  let json: string | null = null;
  if (toStdout) json = '-';
  else if (opts.json !== undefined) json = resolve(cwd, opts.json);
  else if (reporters.includes('json')) json = resolve(out, 'trace.json');
  try {
    checkCommand(command, env, cwd);
  } catch (err) {
    if (err instanceof TraceRefused) throw new UsageError(err.message);
    throw err;
  }
  return {
    command: [...command],
    cwd,
    rules,
    passed,
    passedIdentities: identities,
    reporters,
    out,
    json,
    kernel,
    color: opts.color,
    configFile,
  };
}

/** `fdaudit compare`: every launcher against every bait kind on this kernel, as a table and audit.json. */
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { audit, DEFAULT_TIMEOUT_MS } from '../audit/audit.ts';
import type { AuditResult } from '../audit/types.ts';
import { getPersonality } from '../kernels/personalities.ts';
import { kernelAvailability, wrapArgv } from '../kernels/wrapper.ts';
import { buildAuditReport, serializeAuditReport } from '../report/audit-json.ts';
import { Progress } from '../report/progress.ts';
import { renderTerminal } from '../report/table.ts';
import { selectLaunchers } from '../orchestrate/selection.ts';
import { collectList, collectWhole, ExitWith, positiveInt, UsageError } from './usage.ts';

interface CompareOptions {
  json?: string;
  launcher?: string[];
  bait?: string[];
  exec?: string[];
  config?: string;
  timeout: number;
  kernel?: string;
  color?: boolean;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('run every launcher against every bait kind on this kernel and print the matrix (no assertions)')
    .option('--json <file>', 'write the fdaudit/audit@1 report to FILE')
    .option('--launcher <id>', 'only this launcher (repeatable, or comma-separated)', collectList)
    .option('--bait <kind>', 'only this bait kind (repeatable, or comma-separated)', collectList)
    .option('--exec <name=template>', "add an external launcher ext:NAME; TEMPLATE is an argv, {probe} expands to the probe's argv (repeatable)", collectWhole)
    .option('--config <file>', 'config file (default: fdaudit.config.{ts,mjs,js} in the working directory)')
    .option('--timeout <ms>', 'per-launch timeout; the launcher\'s process group is killed after it', positiveInt('--timeout'), DEFAULT_TIMEOUT_MS)
    .option('--kernel <id>', 'run under this kernel personality (the whole process re-runs under the fdaudit-kernel wrapper)')
    .option('--no-color', 'no colours in the table')
    .addHelpText('after', `
Examples:
  fdaudit compare
  fdaudit compare --json reports/audit.json
  fdaudit compare --launcher node:spawn --launcher native --bait pipe,high-fd
  fdaudit compare --kernel linux-5.8 --launcher mutant:fd-setsize-fallback
  fdaudit compare --exec 'env=env {probe}' --exec "py=python3 -c 'import os,sys; os.execv(sys.argv[1], sys.argv[1:])' {probe}"

Config file (fdaudit.config.ts, .mjs or .js in the working directory, or --config FILE), default export:
  { launchers: [{ id, description?, canPassFds?, launch(argv, { keep, timeoutMs, signal }) => Promise<{ code, signal }> }],
    exec: ['NAME=TEMPLATE', ...],
    expect: { NAME: 'sealed' | 'leak' | 'error' } }   (used by fdaudit run)
Every launcher from --exec or the config file is named ext:NAME.`)
    .action(async (opts: CompareOptions) => {
      await runCompare(opts);
    });
}

/**
 * The kernel this process runs under. A personality is applied to a whole process (seccomp cannot be
 * undone), so `--kernel X` re-runs this very command under the wrapper, which marks it in
 * FDAUDIT_KERNEL; the re-run's exit status is the command's.
 */
function underKernel(requested: string | undefined): string {
  const current = process.env.FDAUDIT_KERNEL || 'host';
  if (requested === undefined || requested === current) return current;
  const id = getPersonality(requested).id; // RangeError naming the valid ids: a usage error
  if (id === 'host') throw new UsageError(`--kernel host: this process already runs under ${current}`);
  const why = kernelAvailability(id);
  if (why) throw new Error(`kernel personality ${id} is not available here: ${why}`);
  const script = process.argv[1];
  if (!script) throw new Error('cannot tell which script to re-run under the kernel wrapper');
  const [file, ...args] = wrapArgv(id, [process.execPath, ...process.execArgv, script, ...process.argv.slice(2)]) as [string, ...string[]];
  const r = spawnSync(file, args, { stdio: 'inherit', env: { ...process.env, FDAUDIT_KERNEL: id } });
  if (r.error) throw r.error;
  throw new ExitWith(r.status ?? 1);
}

export async function runCompare(opts: CompareOptions): Promise<AuditResult[]> {
  const kernel = underKernel(opts.kernel);
  const { launchers, baits } = await selectLaunchers(opts);
  const json = opts.json === undefined ? undefined : resolve(opts.json);
  if (json !== undefined && opts.json === '') throw new UsageError('--json needs a file name');
  const progress = new Progress(process.stderr);
  progress.start(launchers.length);
  let results: AuditResult[];
  try {
    results = await audit({
      launchers,
      baits,
      kernel,
      timeoutMs: opts.timeout,
      onStart: (l, i) => progress.update(i, l.id),
    });
  } finally {
    progress.done();
  }
  const tableOptions = opts.color === false ? { color: false } : {};
  process.stdout.write(renderTerminal(results, tableOptions));
  if (json !== undefined) {
    const skipped = results.filter((r) => r.status === 'skipped').length;
    const report = buildAuditReport(results, { passed: 0, failed: 0, skipped });
    try {
      writeFileSync(json, serializeAuditReport(report));
    } catch (err) {
      throw new UsageError(`cannot write --json ${opts.json}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    process.stderr.write(`audit report written to ${json}\n`);
  }
  return results;
}

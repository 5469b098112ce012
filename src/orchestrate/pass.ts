/**
 * One pass of the specs in this process, under whatever kernel personality the process runs: japa
 * configured programmatically with @japa/assert, the fdaudit plugin, the console reporter(s) the plan
 * asks for and a collector; returns the audit results and one TestRecord per test.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assert } from '@japa/assert';
import { configure, run } from '@japa/runner';
import { dot, spec } from '@japa/runner/reporters';
import type { NamedReporterContract } from '@japa/runner/types';
import type { AuditResult } from '../audit/types.ts';
import { loadFailure, prepareUserModules, shownPath } from '../load/user-modules.ts';
import type { Launcher } from '../launchers/types.ts';
import type { TestRecord } from '../report/types.ts';
import { recordsReporter, GrepRefiner } from '../runner/collector.ts';
import { fdaudit } from '../runner/plugin.ts';
import { progressReporter } from '../runner/progress.ts';
import { collectedResults, type RunOptions } from '../runner/state.ts';
import { defaultSpecDir, type RunPlan } from './plan.ts';

export interface PassOutcome {
  kernel: string;
  results: AuditResult[];
  records: TestRecord[];
  /** Something failed outside any test (a spec that does not load, a hook); the message says what. */
  runError: string | null;
}

/** Spec files of the shipped audit suite (sources or compiled, whichever this copy of the package has). */
export function defaultSpecFiles(): URL[] {
  const dir = defaultSpecDir();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /\.spec\.(ts|js|mjs)$/.test(n))
    .sort()
    .map((n) => pathToFileURL(join(dir, n)));
}

export function runOptionsFor(plan: RunPlan, kernel: string): Partial<RunOptions> {
  return {
    kernel,
    matrix: !(plan.kernels.length === 1 && plan.kernels[0] === 'host'),
    launchers: plan.launchers,
    baits: plan.baits,
    grep: plan.grep,
    userLaunchers: plan.userLaunchers,
    execSpecs: plan.execSpecs,
    configFile: plan.configFile,
    timeoutMs: plan.timeoutMs,
  };
}

/**
 * Runs the plan's specs once in this process. `console` picks japa's console reporter ('spec', 'dot' or
 * none). japa can run once per process: call this once.
 */
export async function runSpecsHere(
  plan: RunPlan,
  kernel: string,
  userLaunchers: readonly Launcher[],
  console: 'spec' | 'dot' | null,
): Promise<PassOutcome> {
  const records: TestRecord[] = [];
  const collector = recordsReporter(records, plan.cwd);
  const refiner = new GrepRefiner();
  // Without a console reporter a progress line on stderr (terminals only) shows the run going.
  const progress = progressReporter(refiner);
  const list: NamedReporterContract[] = [spec(), dot(), collector, progress];
  const activated = [console ?? progress.name, collector.name];
  const files = plan.specs.length ? plan.specs.map((f) => resolve(plan.cwd, f)) : defaultSpecFiles().map((u) => u.pathname);
  await prepareUserModules(files);
  // A spec that does not load is reported as one line naming it and the fix, not as a loader stack.
  const loadErrors: string[] = [];
  const importer = async (url: URL): Promise<void> => {
    try {
      await import(url.href);
    } catch (err) {
      const file = fileURLToPath(url);
      const line = loadFailure(file, err, plan.cwd);
      loadErrors.push(line);
      records.push({ name: `${shownPath(file, plan.cwd)} (does not load)`, file: shownPath(file, plan.cwd), status: 'failed', message: line, durationMs: 0 });
      process.stderr.write(`fdaudit: ${line}\n`);
    }
  };

  const previousExit = process.exitCode;
  process.exitCode = undefined;
  configure({
    cwd: plan.cwd,
    // The shipped suite may sit under node_modules (an installed package): list it, do not glob it.
    files: plan.specs.length ? plan.specs : async () => defaultSpecFiles(),
    timeout: Math.max(120_000, plan.timeoutMs * 4),
    plugins: [assert(), fdaudit({ ...runOptionsFor(plan, kernel), launcherObjects: userLaunchers })],
    reporters: { activated, list },
    refiner,
    importer,
    forceExit: false,
  });
  await run();
  const failedOutside = process.exitCode === 1 && !records.some((r) => r.status === 'failed');
  process.exitCode = previousExit;
  let runError: string | null = null;
  // A spec that does not load has a failed record of its own (above).
  if (failedOutside && loadErrors.length === 0) runError = 'the run failed outside any test (an unhandled error; see above)';
  return { kernel, results: collectedResults(), records, runError };
}

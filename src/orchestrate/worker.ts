/**
 * A kernel-matrix worker: started by `fdaudit run --kernel …` under the fdaudit-kernel wrapper, so the
 * whole process runs under one personality. Reads the plan, runs the specs once, writes its results and
 * test records as JSON to the output file, exits 0. Anything else (a crash, a signal, no output) is
 * the parent's to report.
 *
 *   node worker.js PLAN.json OUT.json      (FDAUDIT_KERNEL names the personality)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { selectLaunchers } from './selection.ts';
import { cloexecInheritedFds } from './hygiene.ts';
import { runSpecsHere } from './pass.ts';
import { applySubstitutes, type RunPlan } from './plan.ts';
import { WORKER_SCHEMA, type WorkerOutput } from './protocol.ts';

async function main(argv: readonly string[]): Promise<number> {
  const [planPath, outPath] = argv;
  if (!planPath || !outPath) {
    process.stderr.write('usage: worker PLAN.json OUT.json\n');
    return 2;
  }
  const plan = JSON.parse(readFileSync(planPath, 'utf8')) as RunPlan;
  const kernel = process.env.FDAUDIT_KERNEL || 'host';
  cloexecInheritedFds();
  applySubstitutes(plan);
  // User launchers are objects (config adapters are code): each worker loads them itself.
  const selectOpts: { exec?: string[]; config?: string } = { exec: plan.execSpecs };
  if (plan.configFile) selectOpts.config = plan.configFile;
  const { launchers } = await selectLaunchers(selectOpts);
  const userIds = new Set(plan.userLaunchers.map((u) => u.id));
  const users = launchers.filter((l) => userIds.has(l.id));
  const outcome = await runSpecsHere(plan, kernel, users, plan.reporters.includes('dot') ? 'dot' : plan.reporters.includes('spec') ? 'spec' : null);
  const output: WorkerOutput = { schema: WORKER_SCHEMA, ...outcome };
  writeFileSync(outPath, JSON.stringify(output));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fdaudit run worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

/**
 * The GitHub Action (action.yml) and the README's workflow, checked without a runner: both parse as
 * YAML, have the keys GitHub requires, use only inputs that exist; the action's scripts, run by bash
 * the way a runner runs a composite step, hand `fdaudit run` exactly the arguments the inputs say — to
 * a recording stand-in for npx, and to the real command line.
 */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { packageRoot } from '../../../src/native/paths.ts';
import { CLI, tempDir } from './helpers.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const ACTION_PATH = join(packageRoot, 'action.yml');
const README = join(packageRoot, 'README.md');
const REQUIRED_INPUTS = ['kernels', 'exec', 'expect', 'strict', 'out'];
const VERSION = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** Parses YAML text, failing on any error or warning the parser reports. */
function parseYaml(text: string, what: string): Obj {
  const doc = parseDocument(text, { prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (problems.length) throw new Error(`${what} does not parse: ${problems.join('; ')}`);
  const value = doc.toJS() as unknown;
  if (!isObj(value)) throw new Error(`${what} is not a mapping`);
  return value;
}

/** `${{ inputs.NAME }}` references anywhere in a value. */
function inputRefs(value: unknown): string[] {
  const text = JSON.stringify(value);
  return [...text.matchAll(/\$\{\{[^}]*?\binputs\.([A-Za-z0-9_-]+)/g)].map((m) => m[1] as string);
}

/** What is wrong with an action.yml; empty when nothing is. */
function actionProblems(action: Obj): string[] {
  const problems: string[] = [];
  for (const k of ['name', 'description']) if (typeof action[k] !== 'string' || action[k] === '') problems.push(`${k} is missing`);
  const inputs = isObj(action.inputs) ? action.inputs : {};
  for (const name of REQUIRED_INPUTS) if (!isObj(inputs[name])) problems.push(`input ${name} is missing`);
  for (const [name, spec] of Object.entries(inputs)) {
    if (!isObj(spec) || typeof spec.description !== 'string' || spec.description === '') problems.push(`input ${name} has no description`);
    else if (spec.default !== undefined && typeof spec.default !== 'string') problems.push(`input ${name}: default must be a string`);
  }
  const runs = isObj(action.runs) ? action.runs : {};
  if (runs.using !== 'composite') problems.push(`runs.using is ${JSON.stringify(runs.using)}, expected composite`);
  const steps = Array.isArray(runs.steps) ? (runs.steps as unknown[]) : [];
  if (steps.length === 0) problems.push('runs.steps is empty');
  const ids = new Set<string>();
  steps.forEach((step, i) => {
    if (!isObj(step)) return void problems.push(`step ${i} is not a mapping`);
    if (typeof step.id === 'string') ids.add(step.id);
    if (typeof step.run === 'string') {
      if (typeof step.shell !== 'string') problems.push(`step ${i} runs a script without shell (composite steps need one)`);
      // An expression pasted into a script would let an input's text run as shell code.
      if (step.run.includes('${{')) problems.push(`step ${i}: an expression inside run; pass it through env`);
    } else if (typeof step.uses === 'string') {
      if (!/^[\w.-]+\/[\w.-]+@v\d+$/.test(step.uses)) problems.push(`step ${i}: uses ${step.uses} is not pinned to a major version`);
    } else problems.push(`step ${i} has neither run nor uses`);
  });
  for (const name of inputRefs(runs)) if (!isObj(inputs[name])) problems.push(`the steps use inputs.${name}, which is not declared`);
  const used = new Set(inputRefs(runs));
  for (const name of Object.keys(inputs)) if (!used.has(name)) problems.push(`input ${name} is declared but never used`);
  const refs = [...JSON.stringify(action).matchAll(/steps\.([A-Za-z0-9_-]+)\./g)].map((m) => m[1] as string);
  for (const id of refs) if (!ids.has(id)) problems.push(`steps.${id} is referenced but no step has that id`);
  return problems;
}

/** The yaml block of the README's GitHub Actions section. */
function readmeWorkflow(readme: string): string {
  const section = readme.slice(readme.indexOf('### In GitHub Actions'));
  const m = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('no ```yaml block in the README section "In GitHub Actions"');
  return m[1] as string;
}

interface Step extends Obj {
  uses?: string;
  run?: string;
  with?: Obj;
}

/** What is wrong with the README's workflow against the action; empty when nothing is. */
function workflowProblems(workflow: Obj, action: Obj): string[] {
  const problems: string[] = [];
  if (workflow.on === undefined) problems.push('no on:');
  const jobs = isObj(workflow.jobs) ? workflow.jobs : {};
  const inputs = isObj(action.inputs) ? action.inputs : {};
  const all = Object.entries(jobs).filter((e): e is [string, Obj] => isObj(e[1]));
  const steps = (job: Obj): Step[] => (Array.isArray(job.steps) ? (job.steps as Step[]) : []);
  const auditJobs = all.filter(([, job]) => steps(job).some((s) => /\/fdaudit@/.test(s.uses ?? '')));
  if (auditJobs.length === 0) problems.push('no job uses the fdaudit action');
  for (const [name, job] of auditJobs) {
    const matrix = isObj(job.strategy) && isObj(job.strategy.matrix) ? job.strategy.matrix : null;
    if (!matrix) problems.push(`job ${name} runs on no matrix`);
    const keys = [...JSON.stringify(job).matchAll(/\$\{\{\s*matrix\.([A-Za-z0-9_-]+)/g)].map((m) => m[1] as string);
    if (!keys.length) problems.push(`job ${name} does not use its matrix`);
    for (const k of keys) if (!matrix || !Array.isArray(matrix[k])) problems.push(`job ${name} uses matrix.${k}, which the matrix does not list`);
    for (const s of steps(job).filter((st) => /\/fdaudit@/.test(st.uses ?? ''))) {
      for (const k of Object.keys(s.with ?? {})) if (!isObj(inputs[k])) problems.push(`job ${name} gives the action input ${k}, which it does not have`);
    }
  }
  const mergeJobs = all.filter(([, job]) => steps(job).some((s) => /\bfdaudit(@\S+)? merge\b/.test(s.run ?? '')));
  if (mergeJobs.length === 0) problems.push('no job runs fdaudit merge');
  for (const [name, job] of mergeJobs) {
    const needs = Array.isArray(job.needs) ? job.needs : [job.needs];
    for (const [audit] of auditJobs) if (!needs.includes(audit)) problems.push(`job ${name} does not wait for ${audit} (needs)`);
    const download = steps(job).find((s) => /^actions\/download-artifact@v\d+$/.test(s.uses ?? ''));
    if (!download) {
      problems.push(`job ${name} downloads no artifact`);
      continue;
    }
    const pattern = String(download.with?.pattern ?? '');
    const path = String(download.with?.path ?? '');
    // The action names its artifact fdaudit-HOST; the pattern must take those in.
    const glob = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    if (!glob.test('fdaudit-ubuntu-24.04')) problems.push(`job ${name}: pattern ${pattern} misses the action's artifacts (fdaudit-HOST)`);
    const merge = steps(job).find((s) => /\bfdaudit(@\S+)? merge\b/.test(s.run ?? ''));
    if (!path || !new RegExp(`merge\\s+${path}\\b`).test(merge?.run ?? '')) problems.push(`job ${name}: fdaudit merge does not read ${path || 'the download path'}`);
    for (const s of steps(job)) {
      const n = String(s.with?.name ?? '');
      if (/^actions\/upload-artifact@/.test(s.uses ?? '') && glob.test(n)) problems.push(`job ${name}: its artifact ${n} matches the pattern it merges`);
    }
  }
  return problems;
}

test.group('GitHub Action: action.yml', () => {
  test('parses; name, description, composite steps, and the inputs kernels, exec, expect, strict, out', ({ assert }) => {
    const action = parseYaml(readFileSync(ACTION_PATH, 'utf8'), 'action.yml');
    assert.deepEqual(actionProblems(action), []);
    const runs = action.runs as Obj;
    const upload = (runs.steps as Step[]).find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    assert.isDefined(upload, 'a step uploads the reports');
    assert.equal(upload?.with?.path, '${{ inputs.out }}');
    assert.match(String(upload?.if), /always\(\)/, 'the reports are uploaded when the audit fails too');
  });

  test('the checker finds what a broken action gets wrong (negative control)', ({ assert }) => {
    const action = parseYaml(readFileSync(ACTION_PATH, 'utf8'), 'action.yml');
    const broken = structuredClone(action);
    delete (broken.inputs as Obj).strict;
    const steps = (broken.runs as Obj).steps as Step[];
    (steps[1] as Step).run = `npx fdaudit run --exec "\${{ inputs.exec }}" --kernel \${{ inputs.kernal }}`;
    delete (steps[0] as Obj).shell;
    const problems = actionProblems(broken).join('\n');
    assert.include(problems, 'input strict is missing');
    assert.include(problems, 'an expression inside run');
    assert.include(problems, 'inputs.kernal, which is not declared');
    assert.include(problems, 'without shell');
    assert.throws(() => parseYaml('inputs:\n  kernels:\n   description: a\n  bad: [', 'x'), /does not parse/);
  });

  test('action.yml ships in the package (files)', ({ assert }) => {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { files: string[] };
    assert.include(pkg.files, 'action.yml');
  });
});

/** A composite step's env with `${{ inputs.X }}` and `${{ steps.ID.outputs.Y }}` put in, as the runner does. */
function stepEnv(step: Step, inputs: Obj, given: Record<string, string>, outputs: Record<string, Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(isObj(step.env) ? step.env : {})) {
    env[k] = String(v).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
      const input = /^inputs\.([\w-]+)$/.exec(expr);
      if (input) {
        const name = input[1] as string;
        return given[name] ?? String((inputs[name] as Obj | undefined)?.default ?? '');
      }
      const out = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
      if (out) return outputs[out[1] as string]?.[out[2] as string] ?? '';
      throw new Error(`expression ${expr} is not simulated`);
    });
  }
  return env;
}

interface ActionRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, Record<string, string>>;
}

/**
 * Runs the action's script steps in order with bash (-e -o pipefail, as `shell: bash` does), npx found
 * first in `bin`. Stops at the first failing step; `uses` steps are not run.
 */
function runAction(given: Record<string, string>, bin: string, work: string): ActionRun {
  const action = parseYaml(readFileSync(ACTION_PATH, 'utf8'), 'action.yml');
  const inputs = action.inputs as Obj;
  const outputs: Record<string, Record<string, string>> = {};
  let stdout = '';
  let stderr = '';
  for (const [i, step] of ((action.runs as Obj).steps as Step[]).entries()) {
    if (typeof step.run !== 'string') continue;
    const script = join(work, `step-${i}.sh`);
    const outFile = join(work, `step-${i}.out`);
    writeFileSync(script, step.run);
    writeFileSync(outFile, '');
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: packageRoot,
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        GITHUB_OUTPUT: outFile,
        GITHUB_ACTION_PATH: packageRoot,
        NO_COLOR: '1',
        GITHUB_ACTIONS: undefined,
        GITHUB_STEP_SUMMARY: undefined,
        ...stepEnv(step, inputs, given, outputs),
      },
    });
    stdout += r.stdout;
    stderr += r.stderr;
    if (typeof step.id === 'string') {
      outputs[step.id] = Object.fromEntries(
        readFileSync(outFile, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    }
    if (r.status !== 0) return { status: r.status, stdout, stderr, outputs };
  }
  return { status: 0, stdout, stderr, outputs };
}

/** An npx that writes its arguments, one JSON array per call, to calls.json and exits 0. */
function recordingNpx(bin: string): string {
  const calls = join(bin, 'calls.json');
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} -e 'require("fs").appendFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)) + "\\n")' ${JSON.stringify(calls)} "$@"\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  return calls;
}

const readCalls = (calls: string): string[][] =>
  existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : [];

test.group('GitHub Action: its scripts, run by bash', (group) => {
  let dir = '';
  let bin = '';
  let work = '';
  group.each.setup(() => {
    const t = tempDir('fdaudit-action-');
    dir = t.dir;
    bin = join(dir, 'bin');
    work = join(dir, 'work');
    mkdirSync(bin);
    mkdirSync(work);
    return t.cleanup;
  });

  test('defaults: the kernel host, the out directory, the hostname, this package version from npm', ({ assert }) => {
    const calls = recordingNpx(bin);
    const r = runAction({}, bin, work);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readCalls(calls), [
      ['--yes', `fdaudit@${VERSION}`, 'run', '--kernel', 'host', '--out', 'fdaudit-reports', '--host-name', hostname()],
    ]);
    assert.deepEqual(r.outputs.names, { host: hostname(), artifact: `fdaudit-${hostname()}`, version: VERSION });
  });

  test('every input reaches the command line whole; shell text in an input is not run', ({ assert }) => {
    const calls = recordingNpx(bin);
    const pwned = join(dir, 'pwned');
    const exec = `mine=python3 -c 'import sys' "a b" {probe}\n\n  \nother=env $(touch ${pwned}) {probe}\r\n`;
    const r = runAction(
      { kernels: 'host,linux-5.8', exec, expect: 'mine=leak\nother=error\n', strict: 'true', out: 'out dir', 'host-name': 'ci 7', version: '9.9.9' },
      bin,
      work,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readCalls(calls), [[
      '--yes', 'fdaudit@9.9.9', 'run', '--kernel', 'host,linux-5.8', '--out', 'out dir', '--host-name', 'ci 7',
      '--exec', `mine=python3 -c 'import sys' "a b" {probe}`, '--exec', `other=env $(touch ${pwned}) {probe}`,
      '--expect', 'mine=leak', '--expect', 'other=error', '--strict',
    ]]);
    assert.isFalse(existsSync(pwned), 'the $(…) in an input was run by the shell');
    assert.equal(r.outputs.names?.artifact, 'fdaudit-ci 7');
  });

  test('strict other than true or false stops the step before anything runs', ({ assert }) => {
    const calls = recordingNpx(bin);
    const r = runAction({ strict: 'yes' }, bin, work);
    assert.equal(r.status, 2);
    assert.include(r.stdout, "::error title=fdaudit::input strict must be true or false, got 'yes'");
    assert.deepEqual(readCalls(calls), []);
  });

  test('the real command line takes what the action assembles, and names the host in audit.json', ({ assert }) => {
    // npx stand-in: the CLI from these sources, on a narrow selection so the audit takes seconds.
    writeFileSync(
      join(bin, 'npx'),
      `#!/bin/sh\nshift 2\nexec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(CLI)} "$@" --launcher native --bait pipe,high-fd --reporter json\n`,
    );
    chmodSync(join(bin, 'npx'), 0o755);
    const out = join(dir, 'reports');
    const r = runAction(
      { exec: 'sealer=python3 suites/fixtures/seal.py {probe}\nenvonly=env {probe}', expect: 'envonly=leak', out, 'host-name': 'runner-1' },
      bin,
      work,
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8')) as { host: { name: string }; results: { launcher: string; status: string }[] };
    assert.equal(report.host.name, 'runner-1');
    assert.sameMembers(report.results.map((x) => `${x.launcher}=${x.status}`), ['native=sealed', 'ext:sealer=sealed', 'ext:envonly=leak']);

    // Negative control: the same action with an expectation that does not hold fails the step.
    const again = runAction({ exec: 'envonly=env {probe}', out, 'host-name': 'runner-1' }, bin, work);
    assert.equal(again.status, 1, 'env passes fds on; held to the sealed policy the audit fails');
  }).timeout(120_000);

  test('strict: true reaches fdaudit run --strict, which fails on a skipped test', ({ assert }) => {
    writeFileSync(
      join(bin, 'npx'),
      `#!/bin/sh\nshift 2\nexec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(CLI)} "$@" --launcher native --bait pipe --reporter json\n`,
    );
    chmodSync(join(bin, 'npx'), 0o755);
    const out = join(dir, 'reports');
    // The shipped suite skips the optional runtimes that are absent; strict turns that into a failure.
    const loose = runAction({ out }, bin, work);
    const strict = runAction({ out, strict: 'true' }, bin, work);
    assert.equal(loose.status, 0, loose.stderr);
    const skipped = (JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8')) as { tests: { skipped: number } }).tests.skipped;
    assert.equal(strict.status, skipped > 0 ? 1 : 0, strict.stderr);
  })
    .skip(() => !runHelp().includes('--strict'), 'fdaudit run has no --strict option in this tree')
    .timeout(120_000);
});

function runHelp(): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run', '--help'], { cwd: packageRoot, encoding: 'utf8' });
  return r.stdout;
}

test.group('GitHub Action: the README workflow', () => {
  test('parses, runs the action on a matrix of runners and merges their artifacts in a final job', ({ assert }) => {
    const action = parseYaml(readFileSync(ACTION_PATH, 'utf8'), 'action.yml');
    const workflow = parseYaml(readmeWorkflow(readFileSync(README, 'utf8')), 'the README workflow');
    assert.deepEqual(workflowProblems(workflow, action), []);
    // Every required input of the action is shown in use, except out (its default is what the merge reads).
    const uses = Object.values(workflow.jobs as Obj).flatMap((j) => ((j as Obj).steps as Step[]) ?? []).find((s) => /\/fdaudit@/.test(s.uses ?? ''));
    for (const k of ['kernels', 'exec', 'expect', 'strict']) assert.property(uses?.with ?? {}, k);
  });

  test('the checker finds a wrong input, a missing needs and a pattern that misses (negative control)', ({ assert }) => {
    const action = parseYaml(readFileSync(ACTION_PATH, 'utf8'), 'action.yml');
    const text = readmeWorkflow(readFileSync(README, 'utf8'))
      .replace('kernels: all', 'kernel: all')
      .replace('needs: audit', 'needs: build')
      .replace('pattern: fdaudit-*', 'pattern: reports-*')
      .replace('${{ matrix.os }}', '${{ matrix.runner }}');
    const problems = workflowProblems(parseYaml(text, 'workflow'), action).join('\n');
    assert.include(problems, 'input kernel, which it does not have');
    assert.include(problems, 'does not wait for audit');
    assert.include(problems, 'misses the action');
    assert.include(problems, 'matrix.runner, which the matrix does not list');
    assert.throws(() => parse('jobs:\n  a: [\n'));
  });
});

/**
 * `fdaudit run --kernel …` end to end: one worker per personality under the wrapper, results merged
 * with the kernel in every result and test name; a worker that crashes or hangs becomes a failed test
 * and `error` results for its personality, never a hung run.
 */
import { test } from '@japa/runner';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReport } from '../../../src/audit/types.ts';
import { packageRoot } from '../../../src/native/paths.ts';
import { workerNodeFlags } from '../../../src/orchestrate/matrix.ts';
import { CLI, runCli, tempDir, writeSpec } from './helpers.ts';

function readJson(path: string): AuditReport {
  return JSON.parse(readFileSync(path, 'utf8')) as AuditReport;
}

/** A spec that behaves normally except under one personality, where it does `misbehave`. */
function specMisbehavingUnder(kernel: string, misbehave: string): string {
  return `
test.group('node:spawn under each personality', () => {
  auditMatrix({ launchers: ['node:spawn'], baits: ['pipe', 'cloexec'] }).run(async ({ audit, assert, kernel }, row) => {
    if (kernel === ${JSON.stringify(kernel)}) { ${misbehave} }
    const r = await audit(row.launcher);
    if (row.bait === 'cloexec') assert.notCrossed(r, row.bait);
    else assert.crossed(r, row.bait);
  });
});
`;
}

test.group('fdaudit run: kernel matrix', (group) => {
  let dir = '';
  group.setup(() => {
    const t = tempDir();
    dir = t.dir;
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    return () => t.cleanup();
  });

  test('one worker per personality; the kernel in every result and test name', async ({ assert }) => {
    const spec = writeSpec(dir, 'kernels.spec.ts', specMisbehavingUnder('none', ''));
    const out = join(dir, 'reports-kernels');
    const r = await runCli(['run', spec, '--out', out, '--kernel', 'host,linux-5.8,no-proc', '--reporter', 'table,json,junit']);
    assert.equal(r.code, 0, r.stderr);
    const report = readJson(join(out, 'audit.json'));
    assert.deepEqual(report.results.map((x) => `${x.launcher}/${x.kernel}/${x.status}`).sort(), [
      'node:spawn/host/leak',
      'node:spawn/linux-5.8/leak',
      'node:spawn/no-proc/leak',
    ]);
    assert.deepEqual(report.tests, { passed: 6, failed: 0, skipped: 0 });
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    for (const k of ['host', 'linux-5.8', 'no-proc']) {
      assert.include(junit, `name="node:spawn › pipe [${k}]"`);
      assert.include(r.stdout, `kernel: ${k}`);
    }
  });

  test('a worker killed mid-run fails the run for its personality; the others keep their results', async ({ assert }) => {
    const spec = writeSpec(dir, 'crash.spec.ts', specMisbehavingUnder('linux-5.8', "process.kill(process.pid, 'SIGKILL');"));
    const out = join(dir, 'reports-crash');
    const r = await runCli(['run', spec, '--out', out, '--kernel', 'host,linux-5.8', '--reporter', 'json,junit']);
    assert.equal(r.code, 1, r.stderr);
    const report = readJson(join(out, 'audit.json'));
    const byKernel = new Map(report.results.map((x) => [x.kernel, x]));
    assert.equal(byKernel.get('host')?.status, 'leak');
    assert.equal(byKernel.get('linux-5.8')?.status, 'error');
    assert.match(byKernel.get('linux-5.8')?.error ?? '', /^the worker was killed by SIGKILL without results/);
    assert.match(r.stderr, /fdaudit: 1 test failed; first: kernel linux-5\.8 \[linux-5\.8\]: the worker was killed by SIGKILL/);
  });

  test('a worker that hangs is killed at --worker-timeout and reported, never waited for', async ({ assert }) => {
    const spec = writeSpec(dir, 'hang.spec.ts', specMisbehavingUnder('container-eperm', 'await new Promise(() => {});'));
    const out = join(dir, 'reports-hang');
    const r = await runCli(['run', spec, '--out', out, '--kernel', 'container-eperm', '--launcher', 'node:spawn', '--worker-timeout', '8000', '--reporter', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const [only] = readJson(join(out, 'audit.json')).results;
    assert.deepInclude(only, { launcher: 'node:spawn', kernel: 'container-eperm', status: 'error' });
    assert.equal(only?.error, 'the worker did not finish within 8 s and was killed');
  });

  test('the shipped suite under every personality: native seals everywhere; fd-setsize-fallback leaks high-fd exactly where close_range fails', async ({ assert }) => {
    const out = join(dir, 'reports-all');
    const r = await runCli([
      'run', 'suites/audit/launchers.spec.ts', '--kernel', 'all', '--launcher', 'native,mutant:fd-setsize-fallback',
      '--bait', 'high-fd,pipe', '--out', out, '--reporter', 'json,junit',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = readJson(join(out, 'audit.json'));
    const verdict = (launcher: string): Record<string, string> =>
      Object.fromEntries(report.results.filter((x) => x.launcher === launcher).map((x) => [x.kernel, x.status]));
    // A personality this machine cannot apply would be `skipped` (with the wrapper's reason); here all apply.
    assert.deepEqual(verdict('native'), {
      host: 'sealed', 'linux-5.10': 'sealed', 'linux-5.8': 'sealed', 'linux-5.2': 'sealed',
      'container-eperm': 'sealed', 'no-proc': 'sealed', 'linux-5.8+no-proc': 'sealed',
      'huge-nofile': 'sealed', 'container-eperm+huge-nofile': 'sealed',
    });
    assert.deepEqual(verdict('mutant:fd-setsize-fallback'), {
      host: 'sealed', 'linux-5.10': 'sealed', 'linux-5.8': 'leak', 'linux-5.2': 'leak',
      'container-eperm': 'leak', 'no-proc': 'sealed', 'linux-5.8+no-proc': 'leak',
      'huge-nofile': 'sealed', 'container-eperm+huge-nofile': 'leak',
    });
    // Every result carries its launch time, from every worker.
    for (const x of report.results) assert.isAbove(x.durationMs, 0, `${x.launcher} [${x.kernel}] durationMs`);
    // The huge-nofile children saw the emulated limit.
    for (const x of report.results.filter((y) => y.kernel.endsWith('huge-nofile'))) assert.equal(x.rlimitNofile?.hard, 1073741816);
    const mutant58 = report.results.find((x) => x.launcher === 'mutant:fd-setsize-fallback' && x.kernel === 'linux-5.8');
    assert.deepEqual(mutant58?.baits.filter((b) => b.crossed).map((b) => b.kind), ['high-fd']);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    assert.include(junit, 'name="mutant:fd-setsize-fallback › high-fd [container-eperm]"');
    assert.include(junit, 'name="native › high-fd [linux-5.8+no-proc]"');
    assert.include(junit, 'name="native › high-fd [container-eperm+huge-nofile]"');
  });

  test("a personality the wrapper refuses here is skipped with the wrapper's reason; any other exit 3 is a failure", async ({ assert }) => {
    // The worker does what fdaudit-kernel does when it cannot apply a personality: its message, status 3.
    const refuse = `process.stderr.write("fdaudit-kernel: personality '" + kernel + "' is unavailable here: cannot hide /proc: unshare failed: EPERM\\n"); process.exit(3);`;
    const spec = writeSpec(dir, 'refused.spec.ts', specMisbehavingUnder('no-proc', refuse));
    const out = join(dir, 'reports-refused');
    const r = await runCli(['run', spec, '--out', out, '--kernel', 'host,no-proc', '--reporter', 'json,junit']);
    assert.equal(r.code, 0, r.stderr);
    const report = readJson(join(out, 'audit.json'));
    const noProc = report.results.find((x) => x.kernel === 'no-proc');
    assert.deepInclude(noProc, { launcher: 'node:spawn', status: 'skipped' });
    assert.equal(noProc?.error, "personality 'no-proc' is unavailable here: cannot hide /proc: unshare failed: EPERM");
    assert.deepEqual(report.tests, { passed: 2, failed: 0, skipped: 1 });

    const other = writeSpec(dir, 'exit3.spec.ts', specMisbehavingUnder('no-proc', 'process.exit(3);'));
    const out2 = join(dir, 'reports-exit3');
    const r2 = await runCli(['run', other, '--out', out2, '--kernel', 'host,no-proc', '--reporter', 'json']);
    assert.equal(r2.code, 1, r2.stderr);
    const failed = readJson(join(out2, 'audit.json')).results.find((x) => x.kernel === 'no-proc');
    assert.deepInclude(failed, { status: 'error', error: 'the worker exited with status 3 without results' });
  });

  test('Ctrl-C during a matrix run takes the workers and the temp directory with it', async ({ assert }) => {
    const pidFile = join(dir, 'worker.pid');
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const hang = `(await import('node:fs')).writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); await new Promise(() => {});`;
    const spec = writeSpec(dir, 'interrupt.spec.ts', specMisbehavingUnder('container-eperm', hang));
    const child = spawn(process.execPath, [CLI, 'run', spec, '--kernel', 'container-eperm', '--out', join(dir, 'reports-int'), '--reporter', 'json'], {
      cwd: packageRoot,
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('close', (_code, sig) => res(sig)));
    for (let i = 0; i < 600 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    const workerPid = Number(readFileSync(pidFile, 'utf8'));
    assert.isAbove(workerPid, 1, 'the worker started and hangs');
    child.kill('SIGINT');
    assert.equal(await exited, 'SIGINT', 'the run ends by the signal it got');
    assert.isFalse(alive(workerPid), 'the hanging worker was killed');
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('fdaudit-run-')), [], 'no temp directory left');
  });
});

test.group('fdaudit run: worker command line', () => {
  test('workers get the loader resolved to a file URL and no debugger flag', ({ assert }) => {
    const flags = workerNodeFlags(['--import', 'tsx', '--inspect=9229', '--max-old-space-size=512', '--import', './local.mjs']);
    assert.lengthOf(flags, 5);
    assert.equal(flags[0], '--import');
    assert.match(flags[1] ?? '', /^file:\/\/.*\/node_modules\/tsx\/.+\.mjs$/);
    assert.deepEqual(flags.slice(2), ['--max-old-space-size=512', '--import', './local.mjs']);
    assert.deepEqual(workerNodeFlags([]), []);
  });
});

/** Whether a process exists and is not a zombie (an orphaned zombie is init's to reap). */
function alive(pid: number): boolean {
  for (let i = 0; i < 50; i++) {
    let state: string;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0] ?? '';
    } catch {
      return false;
    }
    if (state === 'Z' || state === 'X') return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  return true;
}

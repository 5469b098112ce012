/**
 * `fdaudit trace` from the command line: the exit status rules, allow rules from the command line and the
 * config file, the reports, `--json -`, and usage errors that name the problem.
 */
import { test } from '@japa/runner';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../../src/orchestrate/errors.ts';
import { buildTracePlan } from '../../../src/orchestrate/trace-plan.ts';
import { parseTraceReport } from '../../../src/report/trace-json.ts';
import type { TraceReport } from '../../../src/trace/types.ts';
import { runCli, tempDir } from './helpers.ts';
import { needsPtrace } from '../trace/helpers.ts';

const LEAK = ['/bin/sh', '-c', 'exec 7</etc/hostname; /bin/true'];

function readReport(dir: string): TraceReport {
  const r = parseTraceReport(readFileSync(join(dir, 'trace.json'), 'utf8'));
  if (typeof r === 'string') throw new Error(r);
  return r;
}

test.group('fdaudit trace: exit status', (group) => {
  needsPtrace(group);
  test('0 when every exec starts clean; 1 when one inherits an fd that is not allowed, with the reports saying which', async ({ assert }) => {
    const { dir, cleanup } = tempDir('fdaudit-trace-cli-');
    try {
      const clean = await runCli(['trace', '--reporter', 'json', '--out', join(dir, 'clean'), '--', '/bin/sh', '-c', '/bin/true']);
      assert.equal(clean.code, 0, clean.stderr);
      assert.equal(readReport(join(dir, 'clean')).summary.violating, 0);

      const r = await runCli(['trace', '--out', dir, '--', ...LEAK]);
      assert.equal(r.code, 1, r.stderr);
      // The terminal table: one row per program, the fd, its target, how often, from which parent.
      // (/bin/sh may be dash or bash; it may fork /bin/true or exec it in its own place.)
      assert.match(r.stdout, /│ true\s+│ 1 \(1 ✗\)\s+│ ✗ 7 \/etc\/hostname \(file\) 1×\s+│ (dash|bash|sh) 1×/);
      assert.match(r.stdout, /│ (sh \((dash|bash)\)|sh)\s+│ 1\s+│ ✓ none\s+│ fdaudit trace 1×/);
      assert.match(r.stdout, /✗ \/usr\/bin\/true \(pid \d+, (started by \S+ pid \d+|exec'd by \S+ in its place)\) inherited fd 7 \/etc\/hostname \(file\) beyond 0, 1, 2: not allowed/);
      assert.match(r.stderr, /reports written: .*trace\.json, .*junit\.xml, .*summary\.md, .*index\.html/);

      const report = readReport(dir);
      assert.equal(report.schema, 'fdaudit/trace@1');
      assert.deepEqual(report.command, LEAK);
      assert.equal(report.exitCode, 0);
      assert.deepEqual(report.summary, { execs: 2, violating: 1, programs: 2, distinct: 2 });
      const [sh, child] = report.execs;
      assert.deepEqual(sh!.violations, []);
      assert.deepEqual(child!.violations, [{ fd: 7, target: '/etc/hostname', type: 'file', reason: 'not allowed' }]);
      assert.equal(child!.parentId, sh!.id);
      assert.isAbove(report.tracer!.maxRssKiB, 0);

      // JUnit: one test case per distinct (program, inherited set), the leaking one failing with the fd and target.
      const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
      assert.equal(junit.match(/<testcase /g)?.length, 2);
      assert.match(junit, /<testcase classname="[^"]*" name="true inherits 7 \/etc\/hostname \(file\) \(1 exec\)" time="0.000">\s*<failure message="\/usr\/bin\/true \(pid \d+/);
      assert.match(junit, /name="sh( \(\w+\))? inherits only 0, 1, 2 \(1 exec\)" time="0.000"\/>/);
      assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /## Process tree\n\n```\nsh -c 'exec 7<\/etc\/hostname; \/bin\/true'\n└─ true( \(exec in place\))?  ✗ 7 \/etc\/hostname \(file\)\n```/);
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      assert.match(html, /<section id="trace"><h2>Trace<\/h2>/);
      assert.match(html, /<ul class="tree" id="trace-tree"><li><details open><summary>.*sh -c.*<\/summary><ul><li><div class="leaf">.*true.*<span class="fd bad"/);
    } finally {
      cleanup();
    }
  });

  test("COMMAND's own failure wins over a violation; a signal gives 128+N", async ({ assert }) => {
    const { dir, cleanup } = tempDir('fdaudit-trace-cli-');
    try {
      const failed = await runCli(['trace', '--reporter', 'json', '--out', dir, '--', '/bin/sh', '-c', 'exec 7</etc/hostname; /bin/true; exit 5']);
      assert.equal(failed.code, 5, failed.stderr);
      assert.equal(readReport(dir).summary.violating, 1);
      const killed = await runCli(['trace', '--reporter', 'json', '--out', dir, '--', '/bin/sh', '-c', 'kill -TERM $$']);
      assert.equal(killed.code, 143, killed.stderr);
      assert.equal(readReport(dir).signal, 'SIGTERM');
    } finally {
      cleanup();
    }
  });
});

test.group('fdaudit trace: allow rules', (group) => {
  needsPtrace(group);
  test('--allow by fd, target or program lets the leak through (exit 0); a rule for another program does not', async ({ assert }) => {
    const { dir, cleanup } = tempDir('fdaudit-trace-allow-');
    try {
      for (const rule of ['fd=7', 'target=/etc/hostname', 'program=true']) {
        const r = await runCli(['trace', '--reporter', 'json', '--out', dir, '--allow', rule, '--', ...LEAK]);
        assert.equal(r.code, 0, `${rule}: ${r.stderr}`);
        const child = readReport(dir).execs[1]!;
        assert.deepEqual(child.allowed, [{ fd: 7, target: '/etc/hostname', rule }]);
      }
      const other = await runCli(['trace', '--reporter', 'json', '--out', dir, '--allow', 'program=make', '--', ...LEAK]);
      assert.equal(other.code, 1, other.stderr);
    } finally {
      cleanup();
    }
  });

  test('trace.allow in the config file counts as --allow does', async ({ assert }) => {
    const { dir, cleanup } = tempDir('fdaudit-trace-config-');
    try {
      writeFileSync(join(dir, 'fdaudit.config.mjs'), "export default { trace: { allow: ['target=/etc/hostname'] } };\n");
      const r = await runCli(['trace', '--reporter', 'json', '--out', join(dir, 'out'), '--config', join(dir, 'fdaudit.config.mjs'), '--', ...LEAK]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(readReport(join(dir, 'out')).allow, ['target=/etc/hostname']);
    } finally {
      cleanup();
    }
  });
});

test.group('fdaudit trace: output and usage', (group) => {
  needsPtrace(group);
  test("--json - prints the report alone on standard output; COMMAND's output goes to standard error", async ({ assert }) => {
    // The command prints 42-out; its argv (in the report) only holds the sum that makes 42.
    const r = await runCli(['trace', '--json', '-', '--', '/bin/sh', '-c', 'echo $((6*7))-out']);
    assert.equal(r.code, 0, r.stderr);
    const report = parseTraceReport(r.stdout);
    assert.notTypeOf(report, 'string', String(report));
    assert.equal((report as TraceReport).execs.length, 1);
    assert.include(r.stderr, '42-out');
    assert.notInclude(r.stdout, '42-out');
  });

  test('usage errors exit 2 with one line naming the problem', async ({ assert }) => {
    const none = await runCli(['trace']);
    assert.equal(none.code, 2);
    assert.equal(none.stderr.trim(), 'fdaudit: no COMMAND given: fdaudit trace [options] -- COMMAND [ARG]...');
    const bad = await runCli(['trace', '--allow', 'colour=red', '--', '/bin/true']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), "fdaudit: --allow: allow rule 'colour=red': unknown key 'colour'; valid: fd, target, type, program, parent");
  });

  test('the plan refuses bad input before anything runs, naming the value', async ({ assert }) => {
    const { dir, cleanup } = tempDir('fdaudit-trace-plan-');
    const plan = (command: string[], opts: Record<string, unknown>) => buildTracePlan(command, { out: dir, ...opts }, dir, {});
    try {
      await assert.rejects(() => plan(['no-such-program-xyz'], {}), UsageError as unknown as ErrorConstructor);
      await assert.rejects(() => plan(['no-such-program-xyz'], {}), /cannot run 'no-such-program-xyz': not found on PATH/);
      await assert.rejects(() => plan(['./missing.sh'], {}), /cannot run '.\/missing.sh': no such file/);
      await assert.rejects(() => plan(['/bin/true'], { reporter: ['xml'] }), /unknown reporter 'xml'; valid: table, json, junit, summary, github/);
      await assert.rejects(() => plan(['/bin/true'], { pass: ['999'] }), /--pass 999: fd 999 is not open in fdaudit/);
      await assert.rejects(() => plan(['/bin/true'], { pass: ['2'] }), /--pass 2: fds 0, 1 and 2 are passed anyway/);
      await assert.rejects(() => plan(['/bin/true'], { kernel: 'all' }), /trace runs under one personality at a time/);
      await assert.rejects(() => plan(['/bin/true'], { json: '' }), /--json needs a file name/);
      writeFileSync(join(dir, 'bad.config.mjs'), "export default { trace: { allow: ['fd=x'] } };\n");
      await assert.rejects(() => plan(['/bin/true'], { config: 'bad.config.mjs' }), /bad\.config\.mjs: trace\.allow\[0\]: allow rule 'fd=x': fd must be a number/);
      // The control: the same plan with good values.
      const ok = await plan(['/bin/true'], { allow: ['fd=3'], reporter: ['json'] });
      assert.deepEqual(ok.rules.map((r) => r.text), ['fd=3']);
      assert.equal(ok.json, join(dir, 'trace.json'));
    } finally {
      cleanup();
    }
  });
});

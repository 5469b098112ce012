/**
 * Where ptrace is refused, fdaudit trace says why and how to fix it, and exits 2: already traced (under
 * another fdaudit trace, under strace -f) and refused by a seccomp filter, each beside the same command
 * where nothing refuses it.
 */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelWrapperPath } from '../../../src/kernels/wrapper.ts';
import { packageRoot } from '../../../src/native/paths.ts';
import { tracerPath } from '../../../src/trace/tracer.ts';
import { CLI, runCli, tempDir } from '../cli/helpers.ts';
import { PTRACE_REFUSED, PTRACE_SKIP } from './helpers.ts';

const strace = ['/usr/bin/strace', '/bin/strace'].find((p) => existsSync(p));

interface Line {
  event: string;
  kind?: string;
  message?: string;
}
const records = (stdout: string): Line[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

test.group('trace: ptrace refused', () => {
  test('under another fdaudit trace: exit 2, naming the tracer that holds the tree and the fix', async ({ assert }) => {
    const { dir, cleanup } = tempDir('fdaudit-trace-nested-');
    try {
      // The control: the inner command alone traces fine.
      const alone = await runCli(['trace', '--reporter', 'json', '--out', join(dir, 'alone'), '--', '/bin/true']);
      assert.equal(alone.code, 0, alone.stderr);

      const inner = [process.execPath, CLI, 'trace', '--reporter', 'table', '--out', join(dir, 'inner'), '--', '/bin/true'];
      const r = await runCli(['trace', '--reporter', 'json', '--out', join(dir, 'outer'), '--', ...inner]);
      // The outer trace exits with its COMMAND's status: the inner fdaudit's usage error.
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /fdaudit: ptrace refused \(Operation not permitted\): the command is already traced by pid \d+ \(fdaudit-trace\)/);
      assert.match(r.stderr, /Fix: run fdaudit trace outside that tracer/);
      const outer = JSON.parse(readFileSync(join(dir, 'outer', 'trace.json'), 'utf8')) as { execs: { program: string }[]; exitCode: number };
      assert.equal(outer.exitCode, 2);
      assert.isTrue(outer.execs.some((e) => e.program.endsWith('/fdaudit-trace')), 'the outer trace saw the inner tracer start');
    } finally {
      cleanup();
    }
  }).skip(() => PTRACE_REFUSED !== null, PTRACE_SKIP);

  test('under strace -f: the tracer refuses with exit 3 and an error record naming strace', ({ assert }) => {
    const r = spawnSync(strace as string, ['-f', '-o', '/dev/null', tracerPath(), '--report', '-', '--', '/bin/true'], { encoding: 'utf8' });
    assert.equal(r.status, 3, r.stderr);
    const err = records(r.stdout).find((l) => l.event === 'error');
    assert.equal(err?.kind, 'refused');
    assert.match(err?.message ?? '', /already traced by pid \d+ \(strace\).*not under strace -f/);
    // The control: strace without -f does not follow the tracer's children, and the trace works.
    const plain = spawnSync(strace as string, ['-o', '/dev/null', tracerPath(), '--report', '-', '--', '/bin/true'], { encoding: 'utf8' });
    assert.equal(plain.status, 0, plain.stderr);
    assert.deepEqual(records(plain.stdout).map((l) => l.event), ['start', 'exec', 'end']);
  }).skip(
    () => strace === undefined || PTRACE_REFUSED !== null,
    strace === undefined ? 'strace is not installed (apt-get install strace)' : PTRACE_SKIP,
  );

  test('a seccomp filter refusing ptrace (fdaudit-kernel --deny ptrace=EPERM): exit 2 naming seccomp and the fix', ({ assert }) => {
    const denied = spawnSync(
      kernelWrapperPath(),
      ['--as', 'host', '--deny', 'ptrace=EPERM', '--', process.execPath, CLI, 'trace', '--reporter', 'table', '--', '/bin/true'],
      { encoding: 'utf8', cwd: packageRoot, env: { ...process.env, NO_COLOR: '1' } },
    );
    assert.equal(denied.status, 2, denied.stderr);
    assert.match(denied.stderr, /fdaudit: ptrace refused \(Operation not permitted\): a seccomp filter is in force/);
    assert.match(denied.stderr, /docker run --cap-add SYS_PTRACE/);
    // The control: a filter that refuses something else leaves ptrace alone.
    const other = spawnSync(kernelWrapperPath(), ['--as', 'host', '--deny', 'close_range=ENOSYS', '--', tracerPath(), '--report', '-', '--', '/bin/true'], { encoding: 'utf8' });
    assert.equal(other.status, 0, other.stderr);
  });
});

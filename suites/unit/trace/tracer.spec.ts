/**
 * The tracer follows every shape a process tree takes (shell grandchildren, posix_spawn's vfork, an exec
 * from a thread, a program that execs itself, a failed exec), records exactly the successful execs with
 * what each inherited, and leaves the traced programs behaving as they do untraced.
 */
import { test } from '@japa/runner';
import { readFileSync } from 'node:fs';

import { kernelAvailability } from '../../../src/kernels/index.ts';
import { launchSync } from '../../../src/launch/index.ts';
import { close, pipe } from '../../../src/native/fdops.ts';
import { traceCommand } from '../../../src/trace/run.ts';
import { casesPath, fdNumbers, processState, programOf, tempFile, waitFor, needsPtrace, PTRACE_REFUSED, PTRACE_SKIP } from './helpers.ts';

test.group('trace: what crosses', (group) => {
  needsPtrace(group);
  test('a known leak at a known fd is reported with its target; the same program without it is clean', async ({ assert }) => {
    const bait = tempFile('known-leak.txt');
    try {
      const leaky = await traceCommand([casesPath(), 'open', '9', bait.file, '/bin/true']);
      assert.equal(leaky.exitCode, 0);
      assert.deepEqual(leaky.execs.map(programOf), ['fdaudit-trace-cases', 'true']);
      const t = leaky.execs[1]!;
      assert.deepEqual(t.violations, [{ fd: 9, target: bait.file, type: 'file', reason: 'not allowed' }]);
      assert.equal(t.fds.find((f) => f.fd === 9)?.target, bait.file);
      assert.deepEqual(leaky.execs[0]!.violations, [], 'the program that opened it inherited nothing');

      const clean = await traceCommand(['/bin/true']);
      assert.lengthOf(clean.execs, 1);
      assert.deepEqual(clean.violating, []);
    } finally {
      bait.cleanup();
    }
  });

  test('COMMAND starts sealed: an inheritable fd of this process stays out; with pass it crosses and is allowed', async ({ assert }) => {
    const [r, w] = pipe(false);
    try {
      const sealed = await traceCommand(['/bin/true']);
      const fds = fdNumbers(sealed.execs[0]!);
      assert.isTrue(fds.every((fd) => fd <= 2), `COMMAND got ${fds.join(', ')}`);
      assert.notInclude(fds, w);

      const passed = await traceCommand(['/bin/true'], { pass: [w] });
      assert.include(fdNumbers(passed.execs[0]!), w);
      assert.notInclude(fdNumbers(passed.execs[0]!), r);
      assert.deepEqual(passed.violating, []);
      assert.deepEqual(passed.execs[0]!.allowed.map((a) => a.rule), [`passed with --pass ${w}`]);
    } finally {
      close(r);
      close(w);
    }
  });

  test('grandchildren through sh -c inherit what the shell opened; the tree says who started whom', async ({ assert }) => {
    const bait = tempFile('grandchild.txt');
    try {
      const t = await traceCommand(['/bin/sh', '-c', `exec 7<${bait.file}; /bin/sh -c '/bin/true; /bin/true'`]);
      assert.equal(t.exitCode, 0);
      const [outer, inner, ...trues] = t.execs;
      assert.deepEqual(t.execs.map(programOf), [programOf(outer!), programOf(inner!), 'true', 'true']);
      assert.isNull(outer!.parentId);
      assert.equal(inner!.parentId, outer!.id);
      for (const x of trues) {
        assert.equal(x.parentId, inner!.id);
        assert.equal(x.ppid, inner!.pid);
        assert.equal(x.parentProgram, inner!.program);
      }
      // The shell that opened fd 7 did not inherit it; everything it started did.
      assert.deepEqual(outer!.violations, []);
      for (const x of [inner!, ...trues]) assert.deepEqual(x.violations.map((v) => [v.fd, v.target]), [[7, bait.file]]);
    } finally {
      bait.cleanup();
    }
  });

  test('a posix_spawn child (clone with CLONE_VFORK) is followed and attributed to the spawning program', async ({ assert }) => {
    const t = await traceCommand([casesPath(), 'spawn', '/bin/true']);
    assert.equal(t.exitCode, 0);
    assert.lengthOf(t.execs, 2);
    const child = t.execs[1]!;
    assert.equal(programOf(child), 'true');
    assert.equal(child.via, 'vfork');
    assert.equal(child.parentId, t.execs[0]!.id);
    assert.equal(child.ppid, t.execs[0]!.pid);
  });

  test('an exec from a second thread: one record, under the thread group id, naming the thread that called it', async ({ assert }) => {
    const t = await traceCommand([casesPath(), 'thread-exec', '/bin/true']);
    assert.equal(t.exitCode, 0);
    assert.lengthOf(t.execs, 2);
    const [root, after] = t.execs;
    assert.equal(after!.pid, root!.pid, 'the exec took the thread group id');
    assert.isNumber(after!.formerTid);
    assert.notEqual(after!.formerTid, after!.pid);
    assert.equal(after!.via, 'exec');
    assert.equal(after!.parentId, root!.id);
    assert.equal(programOf(after!), 'true');
  });

  test('a fork from a non-leader thread of a threaded program is attributed to that program', async ({ assert }) => {
    const t = await traceCommand([casesPath(), 'threads', '3', '/bin/true']);
    assert.equal(t.exitCode, 0);
    assert.lengthOf(t.execs, 2);
    assert.equal(t.execs[1]!.via, 'fork');
    assert.equal(t.execs[1]!.ppid, t.execs[0]!.pid);
    assert.isAtLeast(t.tracer!.peakTasks, 5, 'the threads were followed too');
  });

  test('a program that execs itself: one record per image, each under the image it replaced', async ({ assert }) => {
    const t = await traceCommand([casesPath(), 'self-exec', '2', '/bin/true']);
    assert.equal(t.exitCode, 0);
    assert.deepEqual(t.execs.map(programOf), ['fdaudit-trace-cases', 'fdaudit-trace-cases', 'fdaudit-trace-cases', 'true']);
    assert.deepEqual(t.execs.map((e) => e.argv[2]), ['2', '1', '0', undefined]);
    const pid = t.execs[0]!.pid;
    t.execs.forEach((e, i) => {
      assert.equal(e.pid, pid);
      if (i > 0) {
        assert.equal(e.via, 'exec');
        assert.equal(e.parentId, t.execs[i - 1]!.id);
      }
    });
  });

  test('an exec that fails is not recorded; the exec after it in the same process is', async ({ assert }) => {
    const t = await traceCommand([casesPath(), 'fail-exec', '/bin/true']);
    assert.equal(t.exitCode, 0);
    assert.deepEqual(t.execs.map(programOf), ['fdaudit-trace-cases', 'true']);
    assert.isFalse(t.execs.some((e) => e.program.includes('nonexistent') || e.argv[0]?.includes('nonexistent')));
    assert.equal(t.tracer!.execs, 2);
  });

  test('limits and signal state are recorded: COMMAND starts clean, an ignored signal shows in the child', async ({ assert }) => {
    const t = await traceCommand(['/bin/sh', '-c', "trap '' USR1; /bin/true"]);
    const [sh, child] = t.execs;
    assert.deepEqual(sh!.signals, { blocked: [], ignored: [] });
    const soft = sh!.rlimitNofile?.soft;
    assert.isTrue(typeof soft === 'number' && soft <= 1024, `COMMAND's soft limit is ${soft}`);
    assert.include(child!.signals.ignored, 'SIGUSR1');
  });
});

test.group('trace: programs behave as untraced', (group) => {
  needsPtrace(group);
  test('job control: a stopped child is seen stopped by its parent, continued with SIGCONT, and exits', async ({ assert }) => {
    // The control: the same program untraced.
    assert.equal(launchSync(casesPath(), ['group-stop']).code, 0);
    const t = await traceCommand([casesPath(), 'group-stop']);
    assert.equal(t.exitCode, 0);
  });

  test('a handled signal reaches its handler', async ({ assert }) => {
    assert.equal(launchSync(casesPath(), ['handled-signal']).code, 0);
    const t = await traceCommand([casesPath(), 'handled-signal']);
    assert.equal(t.exitCode, 0);
  });

  test("COMMAND's exit status and death by signal are reported as they are", async ({ assert }) => {
    const three = await traceCommand(['/bin/sh', '-c', 'exit 3']);
    assert.deepEqual([three.exitCode, three.signal], [3, null]);
    const killed = await traceCommand(['/bin/sh', '-c', 'kill -TERM $$']);
    assert.deepEqual([killed.exitCode, killed.signal], [null, 'SIGTERM']);
  });

  test('what COMMAND leaves running when it exits is let go untraced, not waited for', async ({ assert }) => {
    const f = tempFile('bg.pid');
    let pid = 0;
    try {
      const t = await traceCommand(['/bin/sh', '-c', `/bin/sleep 30 </dev/null >/dev/null 2>&1 & echo $! > ${f.file}`]);
      assert.equal(t.exitCode, 0);
      pid = Number(readFileSync(f.file, 'utf8'));
      assert.isAbove(pid, 0);
      assert.isAtLeast(t.tracer!.detached, 1);
      const st = await waitFor(() => processState(pid));
      assert.isNotNull(st, 'the background sleep was still running when the trace ended');
      assert.equal(st!.tracer, 0, 'and nobody traces it any more');
      assert.notInclude(['t', 'T'], st!.state);
    } finally {
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      f.cleanup();
    }
  });
});

test.group('trace: under a kernel personality', (group) => {
  needsPtrace(group);
  test('the tree runs under linux-5.8 and is traced as on the host; without /proc the tracer refuses, naming the fix', async ({ assert }) => {
    const t = await traceCommand(['/bin/sh', '-c', '/bin/true'], { kernel: 'linux-5.8' });
    assert.equal(t.exitCode, 0);
    assert.deepEqual(t.execs.map(programOf).slice(1), ['true']);
    assert.deepEqual(t.violating, []);
    await assert.rejects(() => traceCommand(['/bin/true'], { kernel: 'no-proc' }), /\/proc is not mounted \(or hidden\).*Fix: run with \/proc mounted/);
  }).skip(
    () => PTRACE_REFUSED !== null || kernelAvailability('linux-5.8') !== null || kernelAvailability('no-proc') !== null,
    PTRACE_REFUSED !== null ? PTRACE_SKIP : 'the linux-5.8 or no-proc personality is unavailable here (see fdaudit kernels)',
  );
});

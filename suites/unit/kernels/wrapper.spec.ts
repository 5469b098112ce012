/**
 * fdaudit-kernel: each personality refuses exactly the syscalls it names
 * with the errno the real kernel or container returns, and nothing else.
 * fdaudit-sysprobe makes every call once; under `host` all of them work,
 * which is the negative control for every refusal asserted here.
 */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { HUGE_NOFILE, KERNEL_IDS } from '../../../src/kernels/types.ts';
import type { KernelId } from '../../../src/kernels/types.ts';
import { kernelWrapperPath, wrapArgv, KERNEL_WRAPPER_EXIT, kernelAvailability } from '../../../src/kernels/wrapper.ts';
import { nativePath } from '../../../src/native/paths.ts';

type Outcomes = Record<string, string>;

function run(args: string[]) {
  const r = spawnSync(kernelWrapperPath(), args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function sysprobe(wrapperArgs: string[] | null, env: NodeJS.ProcessEnv = process.env): Outcomes {
  const probe = nativePath('fdaudit-sysprobe');
  const r = wrapperArgs === null
    ? spawnSync(probe, [], { encoding: 'utf8', timeout: 60_000, env })
    : spawnSync(kernelWrapperPath(), [...wrapperArgs, '--', probe], { encoding: 'utf8', timeout: 60_000, env });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`sysprobe exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcomes;
}

const CLOSE_RANGE_KEYS = ['close_range', 'close_range_cloexec', 'close_range_unshare'];
const closeRange = (errno: string): Outcomes => Object.fromEntries(CLOSE_RANGE_KEYS.map((k) => [k, errno]));
/* close_range entered through the i386 and x32 tables (flags 0) meets the same rules. */
const otherAbis = (errno: string): Outcomes => ({ close_range_i386: errno, close_range_x32: errno });

/* RLIMIT_NOFILE as fdaudit-sysprobe prints it ("SOFT/HARD") under huge-nofile. */
const huge = { nofile: `${HUGE_NOFILE}/${HUGE_NOFILE}` };

/* What each personality changes relative to host; every key not listed must equal host's value. */
const EXPECTED_CHANGES: Record<KernelId, Outcomes> = {
  host: {},
  'linux-5.10': { close_range_cloexec: 'EINVAL' },
  'linux-5.8': { ...closeRange('ENOSYS'), ...otherAbis('ENOSYS') },
  'linux-5.2': {
    ...closeRange('ENOSYS'), ...otherAbis('ENOSYS'),
    pidfd_open: 'ENOSYS', clone3: 'ENOSYS', pidfd_getfd: 'ENOSYS', waitid_pidfd: 'EINVAL',
    // pidfd_send_signal exists on 5.2; without pidfd_open the probe can only hand it -1.
    pidfd_send_signal: 'EBADF',
  },
  'container-eperm': { ...closeRange('EPERM'), ...otherAbis('EPERM') },
  'no-proc': { proc_self_fd: 'ENOENT' },
  'linux-5.8+no-proc': { ...closeRange('ENOSYS'), ...otherAbis('ENOSYS'), proc_self_fd: 'ENOENT' },
  // The rlimit calls are answered, not refused: every call still works.
  'huge-nofile': { ...huge },
  'container-eperm+huge-nofile': { ...closeRange('EPERM'), ...otherAbis('EPERM'), ...huge },
};

/** The soft and hard RLIMIT_NOFILE of this process, as "SOFT/HARD", from /proc/self/limits. */
function ownNofile(): string {
  const line = /^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  if (!line) throw new Error('no "Max open files" line in /proc/self/limits');
  return `${line[1]}/${line[2]}`;
}

test.group('kernel wrapper: syscall refusals per personality', (group) => {
  let host: Outcomes = {};
  group.setup(() => {
    host = sysprobe(null);
  });

  test('negative control: without the wrapper every probed syscall works and RLIMIT_NOFILE is the real one', ({ assert }) => {
    const native = Object.entries(host).filter(([k]) => !k.endsWith('_i386') && !k.endsWith('_x32') && k !== 'nofile');
    assert.isAbove(native.length, 15);
    for (const [call, outcome] of native) assert.equal(outcome, 'ok', call);
    assert.equal(host.nofile, ownNofile());
    assert.notEqual(host.nofile, huge.nofile);
  });

  for (const kernel of KERNEL_IDS) {
    test(`${kernel}: refuses exactly its syscalls with the right errno`, ({ assert }) => {
      const got = sysprobe(['--as', kernel]);
      const changes = EXPECTED_CHANGES[kernel];
      assert.sameMembers(Object.keys(got), Object.keys(host));
      for (const call of Object.keys(host)) {
        // A door this kernel lacks (no IA32 emulation: int 0x80 faults) is absent under every personality.
        const expected = host[call] === 'absent' ? 'absent' : (changes[call] ?? host[call]);
        assert.equal(got[call], expected, `${kernel}: ${call}`);
      }
      if (kernel !== 'host') assert.notDeepEqual(got, host);
    }).skip(() => kernelAvailability(kernel) !== null, `the ${kernel} personality is unavailable here (fdaudit kernels ${kernel} says why)`);
  }

  test('an ABI door that faults (a kernel without IA32 emulation) is reported absent; the prober survives', ({ assert }) => {
    for (const door of ['i386', 'x32'] as const) {
      const key = `close_range_${door}`;
      if (!(key in host)) continue; // not x86_64: there are no other doors
      const got = sysprobe(null, { ...process.env, FDAUDIT_SYSPROBE_FAULT: door });
      assert.equal(got[key], 'absent', key);
      // Control: every other answer is what the unforced run gave.
      for (const call of Object.keys(host)) if (call !== key) assert.equal(got[call], host[call], call);
    }
  });

  test('a+b composes: container-eperm+no-proc refuses close_range with EPERM and hides /proc', ({ assert }) => {
    const got = sysprobe(['--as', 'container-eperm+no-proc']);
    assert.equal(got.close_range, 'EPERM');
    assert.equal(got.proc_self_fd, 'ENOENT');
    assert.equal(got.pidfd_open, 'ok');
  });

  test('--deny stacks further refusals, ahead of the personality rules', ({ assert }) => {
    const got = sysprobe(['--as', 'linux-5.8', '--deny', 'poll=ENOSYS', '--deny', 'getdents64=EPERM']);
    assert.equal(got.close_range, 'ENOSYS');
    assert.equal(got.poll, 'ENOSYS');
    assert.equal(got.getdents64, 'EPERM');
    assert.equal(got.proc_self_fd, 'EPERM');
    // Neighbours of the denied calls still work.
    assert.equal(got.ppoll, 'ok');
    assert.equal(got.openat, 'ok');
    const first = sysprobe(['--as', 'linux-5.8', '--deny=close_range=EPERM']);
    assert.equal(first.close_range, 'EPERM');
    const numeric = sysprobe(['--as', 'host', '--deny', 'ppoll=38']);
    assert.equal(numeric.ppoll, 'ENOSYS');
    assert.equal(numeric.poll, 'ok');
  });
});

test.group('kernel wrapper: /proc and the rest of the process', () => {
  const listProc = `const fs = require('fs');
    let entries; try { entries = fs.readdirSync('/proc').length } catch (e) { entries = e.code }
    console.log(JSON.stringify({ entries, self: fs.existsSync('/proc/self/fd') }))`;

  test('no-proc hides /proc; host does not', ({ assert }) => {
    const under = (kernel: KernelId) => {
      const [file, ...args] = wrapArgv(kernel, [process.execPath, '-e', listProc]) as [string, ...string[]];
      const r = spawnSync(file, args, { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { entries: number | string; self: boolean };
    };
    const host = under('host');
    assert.isAbove(host.entries as number, 0);
    assert.isTrue(host.self);
    for (const kernel of ['no-proc', 'linux-5.8+no-proc'] as const) {
      assert.deepEqual(under(kernel), { entries: 0, self: false }, kernel);
    }
    // The hiding mount lives in the child's namespace only.
    assert.notInclude(readFileSync('/proc/self/mountinfo', 'utf8'), 'fdaudit-noproc');
  });

  test('fds, signal state and limits reach the program as the wrapper got them', ({ assert }) => {
    const status = ([file, ...prefix]: [string, ...string[]]) => {
      const r = spawnSync(file, [...prefix, 'sh', '-c',
        'ls /proc/self/fd | wc -l; grep -E "^(SigBlk|SigIgn|NoNewPrivs):" /proc/self/status; grep "open files" /proc/self/limits'],
      { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const direct = status(['env']);
    const viaHost = status([kernelWrapperPath(), '--as', 'host', '--']);
    const via52 = status([kernelWrapperPath(), '--as', 'linux-5.2', '--']);
    assert.equal(viaHost, direct);
    // Seccomp needs no_new_privs; that is the one difference, and only where a filter is installed.
    assert.match(direct, /NoNewPrivs:\s+0/);
    assert.match(via52, /NoNewPrivs:\s+1/);
    assert.equal(via52.replace(/NoNewPrivs:\s+1/, 'NoNewPrivs:\t0'), direct);
  });

  test('where /proc cannot be hidden, no-proc exits 3 with a clear message and runs nothing', ({ assert }) => {
    // An outer wrapper refuses unshare, as a locked-down container would.
    const r = run(['--as', 'host', '--deny', 'unshare=EPERM', '--',
      kernelWrapperPath(), '--as', 'no-proc', '--', 'sh', '-c', 'echo ran']);
    assert.equal(r.status, KERNEL_WRAPPER_EXIT.unavailable);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /personality 'no-proc' is unavailable here: cannot hide \/proc: unshare.*Operation not permitted/);
    // Control: the same nesting without the refusal works.
    const ok = run(['--as', 'host', '--deny', 'poll=EPERM', '--', kernelWrapperPath(), '--as', 'no-proc', '--',
      'sh', '-c', 'echo ran']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, 'ran\n');
  });
});

test.group('kernel wrapper: command line', () => {
  test('--list prints one NAME<TAB>DESCRIPTION line per personality', ({ assert }) => {
    const r = run(['--list']);
    assert.equal(r.status, 0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(lines.map((l) => l[0]), [...KERNEL_IDS]);
    for (const l of lines) {
      assert.lengthOf(l, 2);
      assert.isAbove(l[1]!.length, 10);
    }
  });

  test('--help describes the usage and exits 0', ({ assert }) => {
    const r = run(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--as NAME/);
    assert.match(r.stdout, /--deny SYSCALL=ERRNO/);
    for (const id of KERNEL_IDS) assert.include(r.stdout, id);
  });

  test('an unknown personality exits 2 with the valid names and runs nothing', ({ assert }) => {
    const r = run(['--as', 'linux-4.19', '--', 'sh', '-c', 'echo ran']);
    assert.equal(r.status, KERNEL_WRAPPER_EXIT.usage);
    assert.equal(r.stdout, '');
    assert.include(r.stderr, "unknown kernel personality 'linux-4.19'");
    for (const id of KERNEL_IDS) assert.include(r.stderr, id);
    const part = run(['--as', 'linux-5.8+no-sys', '--', 'true']);
    assert.equal(part.status, 2);
    assert.include(part.stderr, "'no-sys'");
  });

  test('usage errors exit 2 and name the problem', ({ assert }) => {
    const cases: Array<[string[], RegExp]> = [
      [['--', 'true'], /missing --as NAME/],
      [['--as', 'host'], /missing PROGRAM/],
      [['--as'], /--as needs a value/],
      [['--as', 'host', '--as', 'no-proc', 'true'], /--as given twice/],
      [['--bogus', 'true'], /unknown option '--bogus'/],
      [['--as', 'host', '--deny', 'poll', 'true'], /--deny expects SYSCALL=ERRNO/],
      [['--as', 'host', '--deny', 'read=EPERM', 'true'], /unknown syscall 'read'.*close_range/],
      [['--as', 'host', '--deny', 'poll=EWHAT', 'true'], /unknown errno 'EWHAT'/],
      [['--as', 'host', '--deny', 'poll=5000', 'true'], /unknown errno '5000'/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      assert.equal(r.status, KERNEL_WRAPPER_EXIT.usage, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
    }
  });

  test('PROGRAM is looked up in PATH; a missing one exits 127', ({ assert }) => {
    const found = run(['--as', 'linux-5.8', 'sh', '-c', 'echo "$0 $1"', 'a', 'b']);
    assert.equal(found.status, 0);
    assert.equal(found.stdout, 'a b\n');
    const missing = run(['--as', 'linux-5.8', '--', 'fdaudit-no-such-program']);
    assert.equal(missing.status, KERNEL_WRAPPER_EXIT.notFound);
    assert.match(missing.stderr, /cannot run 'fdaudit-no-such-program'/);
    const status = run(['--as', 'container-eperm', '--', 'sh', '-c', 'exit 42']);
    assert.equal(status.status, 42);
  });
});

test.group('kernel wrapper: Node under every personality', () => {
  const script = `const cp = require('child_process');
    const two = cp.execFileSync(process.execPath, ['-p', '1 + 1'], { encoding: 'utf8' }).trim();
    const exited = new Promise((resolve) => cp.spawn(process.execPath, ['-e', 'process.exit(7)']).on('exit', resolve));
    exited.then((code) => console.log(JSON.stringify({ execPath: process.execPath, two, code })));`;

  for (const kernel of KERNEL_IDS) {
    test(`node starts, spawns and reaps children under ${kernel}`, ({ assert }) => {
      const [file, ...args] = wrapArgv(kernel, [process.execPath, '-e', script]) as [string, ...string[]];
      if (kernel === 'host') assert.equal(file, process.execPath);
      else assert.equal(file, kernelWrapperPath());
      const r = spawnSync(file, args, { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { execPath: process.execPath, two: '2', code: 7 });
    }).skip(() => kernelAvailability(kernel) !== null, `the ${kernel} personality is unavailable here (fdaudit kernels ${kernel} says why)`);
  }
});

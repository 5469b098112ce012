/**
 * huge-nofile: RLIMIT_NOFILE emulated at 1073741816 (soft and hard) by the wrapper as a seccomp
 * supervisor. What a program sees and may do is checked against the kernel's own rules, with the
 * same program on the host as the negative control; then the supervisor's lifetime: exit status,
 * signals, a killed group, a killed wrapper.
 */
import { test } from '@japa/runner';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUGE_NOFILE } from '../../../src/kernels/types.ts';
import type { KernelId } from '../../../src/kernels/types.ts';
import { kernelWrapperPath, wrapArgv } from '../../../src/kernels/wrapper.ts';
import { nativePath } from '../../../src/native/paths.ts';
import { allProcesses } from '../../../src/native/procstat.ts';

const H = HUGE_NOFILE;
const HUGE_KERNELS = ['huge-nofile', 'container-eperm+huge-nofile'] as const;

/** This process's soft and hard RLIMIT_NOFILE, from /proc/self/limits (the real ones). */
function ownLimits(): { soft: number; hard: number } {
  const m = /^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  if (!m) throw new Error('no "Max open files" line in /proc/self/limits');
  return { soft: Number(m[1]), hard: Number(m[2]) };
}

function runUnder(kernel: KernelId, argv: string[]) {
  const [file, ...args] = wrapArgv(kernel, argv) as [string, ...string[]];
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}

function rlimitSteps(kernel: KernelId): Record<string, string> {
  const r = runUnder(kernel, [nativePath('fdaudit-sysprobe'), 'rlimit']);
  if (r.status !== 0) throw new Error(`fdaudit-sysprobe rlimit exited ${r.status} under ${kernel}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}

const pair = (soft: number, hard: number): string => `${soft}/${hard}`;

/**
 * What fdaudit-sysprobe's rlimit steps give a process that starts with `soft`/`hard` on a kernel whose
 * real hard limit is `realHard`: the kernel's rules (kernel/sys.c do_prlimit), with the real limits in
 * /proc/self/limits at min(emulated, real hard).
 */
function expectedSteps(soft: number, hard: number, realHard: number): Record<string, string> {
  const real = (v: number): number => Math.min(v, realHard);
  const lowered = Math.floor(hard / 2);
  return {
    prlimit64: pair(soft, hard),
    getrlimit: pair(soft, hard),
    sysconf_open_max: String(soft),
    proc_limits: pair(real(soft), real(hard)),
    lower_soft: 'ok',
    after_lower: pair(1024, hard),
    proc_after_lower: pair(1024, real(hard)),
    forked_after_lower: pair(1024, hard),
    execd_after_lower: pair(1024, hard),
    raise_soft: 'ok',
    after_raise: pair(hard, hard),
    proc_after_raise: pair(real(hard), real(hard)),
    soft_above_hard: 'EINVAL',
    lower_hard: 'ok',
    after_lower_hard: pair(lowered, lowered),
    proc_after_lower_hard: pair(real(lowered), real(lowered)),
  };
}

/** The i386/x32 entry points: absent where the kernel lacks them (the answer then does not change). */
function expectedDoors(host: Record<string, string>, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['ugetrlimit_i386', 'old_getrlimit_i386', 'prlimit64_i386', 'getrlimit_x32']) {
    if (!(key in host)) continue; // not x86_64
    out[key] = host[key] === 'absent' || host[key] === 'ENOSYS' ? (host[key] as string) : value;
  }
  return out;
}

function pick(obj: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => k in obj).map((k) => [k, obj[k] as string]));
}

test.group('huge-nofile: what a program sees and may do with RLIMIT_NOFILE', (group) => {
  let host: Record<string, string> = {};
  let real = { soft: 0, hard: 0 };
  group.setup(() => {
    real = ownLimits();
    host = rlimitSteps('host');
  });

  test('negative control: on the host the same steps show the real limits and the kernel\'s rules', ({ assert }) => {
    // This process's soft limit is its hard limit (Node raised it), and the child starts with both.
    assert.equal(real.soft, real.hard);
    const expected = expectedSteps(real.hard, real.hard, real.hard);
    assert.deepEqual(pick(host, Object.keys(expected)), expected);
    assert.notEqual(host.prlimit64, pair(H, H));
    assert.deepInclude(host, expectedDoors(host, pair(real.hard, real.hard)));
  });

  for (const kernel of HUGE_KERNELS) {
    test(`${kernel}: a C program sees ${H}/${H}, lowers and raises its soft limit, a child inherits it`, ({ assert }) => {
      const got = rlimitSteps(kernel);
      assert.deepInclude(got, expectedSteps(H, H, real.hard));
      // Refused as the kernel refuses: a hard limit above the current one (and above fs.nr_open, which
      // systemd sets to the same 1073741816) is EPERM, soft above hard EINVAL; nothing changed.
      assert.deepInclude(got, { hard_above: 'EPERM', infinity: 'EPERM', after_refused: pair(H, H) });
      // A lowered hard limit stays lowered: raising it again is EPERM.
      assert.equal(got.raise_hard_again, 'EPERM');
      // Through the i386 entry points (32-bit structures; old getrlimit clamps at 2^31 - 1, above H).
      assert.deepInclude(got, expectedDoors(host, pair(H, H)));
    });
  }

  test('a hard limit lowered below the real one is carried by the kernel to children and exec', ({ assert }) => {
    const r = runUnder('huge-nofile', ['sh', '-c', `ulimit -H -n 4096 2>/dev/null || ulimit -n 4096; ulimit -S -n 100;
      "${nativePath('fdaudit-sysprobe')}" nofile; sh -c 'ulimit -S -n 4096; ulimit -S -n; ulimit -H -n'`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${pair(100, 4096)}\n4096\n4096\n`);
  });

  test('prlimit64 on another process of the tree sets its emulated limits; outside the tree the real ones answer', ({ assert }) => {
    const script = `sleep 30 & p=$!
      prlimit --pid $p --nofile --raw --noheadings --output SOFT,HARD
      prlimit --pid $p --nofile=512:${H} && prlimit --pid $p --nofile --raw --noheadings --output SOFT,HARD
      grep "open files" /proc/$p/limits
      prlimit --pid $PPID --nofile --raw --noheadings --output SOFT,HARD
      kill $p`;
    const r = runUnder('huge-nofile', ['sh', '-c', script]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.deepEqual(lines, [
      `${H} ${H}`,
      `512 ${H}`,
      `Max open files 512 ${real.hard} files`,
      // $PPID is the wrapper, the supervisor itself: not emulated.
      `${real.hard} ${real.hard}`,
    ]);
  }).skip(() => spawnSync('prlimit', ['--version']).status !== 0, 'prlimit (util-linux) is not installed');

  test('Node raises its soft limit at start-up to the emulated hard limit, and its children inherit it', ({ assert }) => {
    const sysprobe = nativePath('fdaudit-sysprobe');
    const script = `const cp = require('child_process'); const fs = require('fs');
      const child = cp.execFileSync(${JSON.stringify(sysprobe)}, ['nofile'], { encoding: 'utf8' }).trim();
      const own = /^Max open files\\s+(\\d+)\\s+(\\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
      console.log(JSON.stringify({ child, real: own[1] + '/' + own[2] }));`;
    // Started with a low soft limit, so that Node's start-up raise is what sets it.
    const under = (kernel: KernelId) => {
      const r = runUnder(kernel, ['sh', '-c', 'ulimit -S -n 256 && exec "$0" -e "$1"', process.execPath, script]);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { child: string; real: string };
    };
    assert.deepEqual(under('host'), { child: pair(real.hard, real.hard), real: pair(real.hard, real.hard) });
    for (const kernel of HUGE_KERNELS) {
      assert.deepEqual(under(kernel), { child: pair(H, H), real: pair(real.hard, real.hard) }, kernel);
    }
  });

  test('fd allocation stays real: an fd just below the real hard limit opens, one at it does not', ({ assert }) => {
    const sh = `(exec 2>/dev/null; eval "exec ${real.hard - 1}</dev/null" && echo below-ok || echo below-fails)
      (exec 2>/dev/null; eval "exec ${real.hard}</dev/null" && echo at-ok || echo at-fails)`;
    for (const kernel of ['host', ...HUGE_KERNELS] as const) {
      const r = runUnder(kernel, ['bash', '-c', sh]);
      assert.equal(r.stdout, 'below-ok\nat-fails\n', kernel);
    }
  }).skip(() => spawnSync('bash', ['-c', 'true']).status !== 0, 'bash is not installed');
});

/** Live (not zombie) processes in process group `pgid`. */
function groupMembers(pgid: number): number[] {
  return allProcesses().filter((p) => p.pgrp === pgid && p.state !== 'Z' && p.state !== 'X').map((p) => p.pid);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds; fails after `limitMs` (a hang detector, not a speed bound). */
async function until(check: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Starts the wrapper in a process group of its own; resolves with it and the target's first stdout line. */
async function startDetached(kernel: KernelId, script: string) {
  const child = spawn(kernelWrapperPath(), ['--as', kernel, '--', 'sh', '-c', script],
    { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })));
  await until(() => out.includes('\n'), 'the target to start');
  return { child, pid: child.pid as number, firstLine: out.split('\n')[0] as string, exited, output: () => out };
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

test.group('huge-nofile: the supervisor\'s lifetime', (group) => {
  let dir = '';
  group.each.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdaudit-huge-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  test('the wrapper leaves with the program\'s exit code, or dies by the signal that killed it', ({ assert }) => {
    assert.equal(runUnder('huge-nofile', ['sh', '-c', 'exit 42']).status, 42);
    assert.equal(runUnder('huge-nofile', ['sh', '-c', 'exit 0']).status, 0);
    const killed = runUnder('huge-nofile', ['sh', '-c', 'kill -KILL $$']);
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(runUnder('huge-nofile', ['sh', '-c', 'kill -TERM $$']).signal, 'SIGTERM');
    const missing = runUnder('huge-nofile', ['fdaudit-no-such-program']);
    assert.equal(missing.status, 127);
    assert.match(missing.stderr, /cannot run 'fdaudit-no-such-program'/);
  });

  test('the program keeps its fds, blocked and ignored signals (SIGCHLD ignored too), as without the wrapper', ({ assert }) => {
    const run = (wrap: string) => {
      // The program is grep and ls themselves: a shell in between would reset SIGCHLD.
      const r = spawnSync('sh', ['-c', `env --ignore-signal=CHLD --ignore-signal=USR2 ${wrap} grep -E "^(SigBlk|SigIgn):" /proc/self/status &&
        exec env ${wrap} ls /proc/self/fd`], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const direct = run('');
    // SIGCHLD (17) and SIGUSR2 (12) ignored: bits 16 and 11 of the mask.
    const ignored = BigInt(`0x${/SigIgn:\s+([0-9a-f]+)/.exec(direct)?.[1] ?? '0'}`);
    assert.equal((ignored >> 16n) & 1n, 1n, 'control: SIGCHLD is ignored in the direct run');
    assert.equal((ignored >> 11n) & 1n, 1n, 'control: SIGUSR2 is ignored in the direct run');
    assert.equal(run(`"${kernelWrapperPath()}" --as huge-nofile --`), direct);
  }).skip(() => spawnSync('env', ['--ignore-signal=CHLD', 'true']).status !== 0, 'env --ignore-signal (coreutils >= 8.31) is not available');

  test('a signal sent to the wrapper alone reaches the program', async ({ assert }) => {
    const run = await startDetached('huge-nofile', 'trap "exit 5" TERM; echo ready; while :; do sleep 0.05; done');
    try {
      process.kill(run.pid, 'SIGTERM');
      assert.deepEqual(await run.exited, { code: 5, signal: null });
    } finally {
      killGroup(run.pid);
    }
  });

  test('killing the process group leaves no process of it behind', async ({ assert }) => {
    const run = await startDetached('container-eperm+huge-nofile', 'echo $$; exec sleep 60');
    try {
      const target = Number(run.firstLine);
      // Control: the wrapper and the program are both in the group.
      assert.sameMembers(groupMembers(run.pid), [run.pid, target]);
      process.kill(-run.pid, 'SIGKILL');
      assert.equal((await run.exited).signal, 'SIGKILL');
      await until(() => groupMembers(run.pid).length === 0, 'the group to be gone');
      assert.deepEqual(groupMembers(run.pid), []);
    } finally {
      killGroup(run.pid);
    }
  });

  test('a killed wrapper takes the program along and leaves no call stuck waiting for an answer', async ({ assert }) => {
    const sysprobe = nativePath('fdaudit-sysprobe');
    const go = join(dir, 'go');
    const pidFile = join(dir, 'pid');
    const result = join(dir, 'result');
    // A descendant in a session of its own (so the group kill in `finally` does not reach it): on each
    // trigger file it asks for its limits once and writes the answer.
    const descendant = `for n in 1 2; do while [ ! -e "${go}$n" ]; do sleep 0.02; done;
        "${sysprobe}" nofile > "${result}$n.tmp" & echo $! > "${pidFile}$n"; wait; mv "${result}$n.tmp" "${result}$n"; done`;
    const run = await startDetached('huge-nofile', `setsid sh -c '${descendant}' & echo $$; exec sleep 60`);
    try {
      const target = Number(run.firstLine);
      // Control: with the supervisor running, the answer is the emulated limit.
      writeFileSync(`${go}1`, '');
      await until(() => existsSync(`${result}1`), 'the first answer');
      assert.equal(readFileSync(`${result}1`, 'utf8'), `${pair(H, H)}\n`);

      // The supervisor stopped: the next call waits in prlimit64 for an answer that does not come.
      process.kill(run.pid, 'SIGSTOP');
      writeFileSync(`${go}2`, '');
      await until(() => existsSync(`${pidFile}2`) && readFileSync(`${pidFile}2`, 'utf8').trim() !== '', 'the second call');
      const caller = Number(readFileSync(`${pidFile}2`, 'utf8'));
      const prlimit64 = process.arch === 'arm64' ? 261 : 302;
      await until(() => {
        try {
          return readFileSync(`/proc/${caller}/syscall`, 'utf8').startsWith(`${prlimit64} `);
        } catch {
          return false;
        }
      }, 'the call to wait in prlimit64');
      assert.isFalse(existsSync(`${result}2`));

      process.kill(run.pid, 'SIGKILL');
      assert.equal((await run.exited).signal, 'SIGKILL');
      // The program goes with its wrapper (parent-death signal)…
      await until(() => !groupMembers(run.pid).includes(target), 'the program to die');
      // …and the waiting call returns: ENOSYS, the kernel's answer once no supervisor listens.
      await until(() => existsSync(`${result}2`), 'the waiting call to return');
      assert.equal(readFileSync(`${result}2`, 'utf8'), 'ENOSYS\n');
    } finally {
      killGroup(run.pid);
    }
  });
});

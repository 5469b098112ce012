import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fdops from '../../../src/native/fdops.ts';
import { getPersonality, KERNEL_WRAPPER_EXIT, wrapArgv } from '../../../src/kernels/index.ts';
import { KERNEL_IDS } from '../../../src/kernels/types.ts';
import type { KernelId } from '../../../src/kernels/types.ts';
import { describeFd } from '../../../src/probe/describe.ts';
import { parseProbeReport, readProbeReport } from '../../../src/probe/parse.ts';
import { probeArgv, probePath } from '../../../src/probe/path.ts';
import type { ProbeReport } from '../../../src/probe/types.ts';

const O_CLOEXEC = 0o2000000;

function run(argv: string[], env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty argv');
  return spawnSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
}

function probeStdout(argv: string[]): ProbeReport {
  const r = run(argv);
  if (r.status !== 0) throw new Error(`probe run failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  return parseProbeReport(r.stdout, `stdout of ${argv.join(' ')}`);
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Fds a Node child inherits: stdio plus every fd of ours without O_CLOEXEC (libuv closes nothing). */
function inheritedByNodeChild(): number[] {
  const out = new Set([0, 1, 2]);
  for (const fd of fdops.openFds()) {
    let d;
    try {
      d = describeFd(fd);
    } catch {
      continue; // closed meanwhile (the listing's own directory fd)
    }
    if ((parseInt(d.flags, 8) & O_CLOEXEC) === 0) out.add(fd);
  }
  return [...out].sort((a, b) => a - b);
}

test.group('probe: command line', () => {
  test('--help prints usage and exits 0; unknown arguments exit 2 naming the argument', ({ assert }) => {
    const help = run([probePath(), '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /usage: fdaudit-probe \[--report PATH\|-\]/);
    const bad = run([probePath(), '--bogus']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown argument '--bogus'/);
    assert.equal(bad.stdout, '');
    const missing = run([probePath(), '--report']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--report needs a PATH/);
  });

  test('an unwritable report path fails with exit 1 and names the path', ({ assert }) => {
    const r = run(probeArgv('/nonexistent-dir/report.json'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot open report file '\/nonexistent-dir\/report\.json': No such file or directory/);
    assert.isFalse(existsSync('/nonexistent-dir/report.json'));
  });

  test('--report PATH writes a valid report file; --report - writes the same shape to stdout', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-probe-test-'));
    try {
      const path = join(dir, 'r.json');
      const r = run(probeArgv(path));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '');
      const rep = readProbeReport(path);
      assert.equal(rep.schema, 'fdaudit/probe@1');
      assert.equal(rep.ppid, process.pid);
      assert.isTrue(existsSync(path), 'readProbeReport leaves the file to its owner');
      const viaStdout = probeStdout(probeArgv('-'));
      assert.deepEqual(Object.keys(viaStdout).sort(), Object.keys(rep).sort());
      assert.notEqual(viaStdout.pid, rep.pid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the executable is statically linked when the toolchain allows it', ({ assert }) => {
    // glibc's libc.a is installed here, so the build must have taken the static path.
    const hasLibcA = ['/usr/lib/x86_64-linux-gnu/libc.a', '/usr/lib/aarch64-linux-gnu/libc.a', '/usr/lib/libc.a'].some(existsSync);
    const head = readFileSync(probePath()).subarray(0, 4096);
    // A dynamic ELF names its interpreter (PT_INTERP: "/lib64/ld-linux-x86-64.so.2" or similar) near the start.
    const dynamic = head.includes(Buffer.from('ld-linux')) || head.includes(Buffer.from('ld-musl'));
    if (hasLibcA) assert.isFalse(dynamic, 'libc.a exists but the probe is dynamically linked');
    // The memcheck build is the dynamic one: the check can tell the two apart.
    const dyn = readFileSync(probePath().replace(/fdaudit-probe$/, 'fdaudit-probe-dynamic')).subarray(0, 4096);
    assert.isTrue(dyn.includes(Buffer.from('ld-linux')) || dyn.includes(Buffer.from('ld-musl')));
  });
});

test.group('probe: what it reports', () => {
  test('exactly the fds a Node child inherits; never its own /proc dir fd or report fd', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-probe-test-'));
    const [r, w] = fdops.pipe(); // a deliberate non-CLOEXEC fd: it must appear
    try {
      const path = join(dir, 'r.json');
      const expected = inheritedByNodeChild();
      const res = run(probeArgv(path));
      assert.equal(res.status, 0, res.stderr);
      const rep = readProbeReport(path);
      assert.deepEqual(rep.fds.map((f) => f.fd), expected);
      assert.include(rep.fds.map((f) => f.fd), w);
      for (const f of rep.fds) {
        assert.notEqual(f.target, path, 'the report fd is listed');
        assert.notMatch(f.target, /^\/proc\/(self|\d+)\/fd\/?$/, 'the /proc/self/fd directory fd is listed');
      }
      // Its own fds took the lowest free number; that number is not in the report.
      let lowestFree = 0;
      while (expected.includes(lowestFree)) lowestFree++;
      assert.notInclude(rep.fds.map((f) => f.fd), lowestFree);
    } finally {
      fdops.close(r);
      fdops.close(w);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with stdio closed the report still lands in its file and 0..2 are reported absent', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-probe-test-'));
    try {
      const path = join(dir, 'r.json');
      const res = run(['bash', '-c', 'exec 0<&- 1>&- 2>&-; exec "$@"', 'bash', ...probeArgv(path)]);
      assert.equal(res.status, 0);
      const rep = readProbeReport(path);
      assert.deepEqual(rep.fds.filter((f) => f.fd <= 2), []);
      // Negative control: with stdio open, 0..2 are there.
      const res2 = run(['bash', '-c', 'exec "$@"', 'bash', ...probeArgv(path)]);
      assert.equal(res2.status, 0);
      assert.deepEqual(readProbeReport(path).fds.filter((f) => f.fd <= 2).map((f) => f.fd), [0, 1, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fds, limits and ignored signals set up by a shell', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-probe-test-'));
    try {
      const file = join(dir, 'bait');
      writeFileSync(file, 'bait\n');
      const setup = `exec 7<"$1"; exec 1500<"$1"; ulimit -Sn 1000; trap '' PIPE USR2 RTMIN+3; exec "$2" --report -`;
      const rep = probeStdout(['bash', '-c', setup, 'bash', file, probePath()]);
      const at = (n: number) => rep.fds.find((f) => f.fd === n);
      assert.equal(at(7)?.target, file);
      assert.equal(at(7)?.type, 'file');
      assert.equal(at(1500)?.target, file, 'an fd above the soft limit is still found');
      assert.equal(at(7)?.identity, at(1500)?.identity, 'two opens of one file share the identity');
      assert.equal(rep.rlimitNofile.soft, 1000);
      assert.equal(rep.rlimitNofile.hard, fdops.getRlimitNofile().hard);
      assert.includeMembers(rep.signals.ignored, ['SIGPIPE', 'SIGUSR2', 'SIGRTMIN+3']);
      assert.equal(rep.cwd, process.cwd());
      assert.match(rep.umask, /^0[0-7]{3}$/);

      // Negative control: the same shell without the set-up.
      const plain = probeStdout(['bash', '-c', 'exec "$1" --report -', 'bash', probePath()]);
      assert.isUndefined(plain.fds.find((f) => f.fd === 7 || f.fd === 1500));
      assert.notInclude(plain.signals.ignored, 'SIGUSR2');
      assert.notInclude(plain.signals.ignored, 'SIGRTMIN+3');
      assert.equal(plain.rlimitNofile.soft, fdops.getRlimitNofile().soft);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('blocked signals, real-time ones included, by name', ({ assert }) => {
    // Python execs the probe with the mask still set (exec keeps the mask; Node's spawn would clear it).
    const wrap = 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1, signal.SIGRTMIN + 2]); os.execv(sys.argv[1], sys.argv[1:])';
    const rep = probeStdout(['python3', '-c', wrap, ...probeArgv('-')]);
    assert.includeMembers(rep.signals.blocked, ['SIGUSR1', 'SIGRTMIN+2']);
    // Negative control: the same wrapper with nothing blocked.
    const plain = probeStdout(['python3', '-c', 'import os, sys; os.execv(sys.argv[1], sys.argv[1:])', ...probeArgv('-')]);
    assert.notInclude(plain.signals.blocked, 'SIGUSR1');
    assert.notInclude(plain.signals.blocked, 'SIGRTMIN+2');
  }).skip(() => !has('python3'), 'python3 is not installed');

  test('any target name survives JSON: quotes, backslashes, control bytes, non-UTF-8 bytes', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-probe-test-'));
    try {
      // é is valid UTF-8; 0xff and the lone 0xc3 are not and come back as U+DCFF / U+DCC3.
      const nameBytes = Buffer.concat([Buffer.from('q"b\\s\n\t\x01é '), Buffer.from([0xff, 0x41, 0xc3])]);
      writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), nameBytes]), 'x');
      const expectedName = 'q"b\\s\n\t\x01é \udcffA\udcc3';
      const rep = probeStdout(['bash', '-c', 'cd "$1" && exec 9<./* && exec "$2" --report -', 'bash', dir, probePath()]);
      const f = rep.fds.find((x) => x.fd === 9);
      assert.equal(f?.target, `${dir}/${expectedName}`);
      // The addon maps the same bytes the same way for a parent-side fd.
      const fd = openSync(Buffer.concat([Buffer.from(`${dir}/`), nameBytes]), 'r');
      try {
        assert.equal(describeFd(fd).target, `${dir}/${expectedName}`);
        assert.equal(describeFd(fd).identity, f?.identity);
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }).skip(() => !has('bash'), 'bash is not installed');
});

function canHideProc(): boolean {
  return spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs none /proc && test ! -e /proc/self'], { stdio: 'ignore' }).status === 0;
}

test.group('probe: without /proc', () => {
  test('fds are still found (fcntl over the fd table), with "unknown" where only /proc knows', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-probe-test-'));
    try {
      const file = join(dir, 'bait');
      writeFileSync(file, 'bait\n');
      const setup = `exec 7<"$1"; exec 1500<"$1"; ulimit -Sn 1000; trap '' USR2; exec "$2" --report -`;
      const noProc = probeStdout(['unshare', '-m', 'bash', '-c', `mount -t tmpfs none /proc && ${setup}`, 'bash', file, probePath()]);
      const withProc = probeStdout(['bash', '-c', setup, 'bash', file, probePath()]);
      assert.deepEqual(noProc.fds.map((f) => f.fd), withProc.fds.map((f) => f.fd));
      for (const f of noProc.fds) assert.equal(f.target, 'unknown');
      const seven = noProc.fds.find((f) => f.fd === 7);
      assert.equal(seven?.type, 'file');
      assert.equal(seven?.identity, withProc.fds.find((f) => f.fd === 7)?.identity, 'a file identity needs no /proc');
      assert.isDefined(noProc.fds.find((f) => f.fd === 1500), 'an fd above the soft limit is found without /proc');
      assert.equal(noProc.rlimitNofile.soft, 1000);
      assert.include(noProc.signals.ignored, 'SIGUSR2');
      // Negative control: with /proc the targets are known.
      assert.equal(withProc.fds.find((f) => f.fd === 7)?.target, file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }).skip(() => !canHideProc(), 'cannot hide /proc here (unshare -m with a tmpfs over /proc failed)');
});

test.group('probe: under every kernel personality', () => {
  test('a valid report with the same fds everywhere; targets only where /proc is visible', ({ assert }) => {
    const [r, w] = fdops.pipe(); // non-CLOEXEC: crosses into the wrapper and on into the probe
    try {
      const reports = new Map<string, ProbeReport>();
      for (const k of KERNEL_IDS) {
        const res = run(wrapArgv(k, probeArgv('-')));
        if (res.status === KERNEL_WRAPPER_EXIT.unavailable) continue; // the personality cannot be applied here
        assert.equal(res.status, 0, `${k}: ${res.stderr}`);
        reports.set(k, parseProbeReport(res.stdout, `probe under ${k}`));
      }
      const host = reports.get('host');
      if (!host) throw new Error('no report on the host personality');
      const hostFds = host.fds.map((f) => f.fd);
      assert.includeMembers(hostFds, [r, w]);
      for (const [k, rep] of reports) {
        const hidden = getPersonality(k as KernelId).hidesProc;
        assert.deepEqual(rep.fds.map((f) => f.fd), hostFds, k);
        const wEntry = rep.fds.find((f) => f.fd === w);
        assert.equal(wEntry?.type, 'pipe', k);
        assert.equal(wEntry?.target, hidden ? 'unknown' : host.fds.find((f) => f.fd === w)?.target, k);
        assert.equal(wEntry?.identity, describeFd(w).identity, `${k}: a pipe's identity needs no /proc`);
      }
      assert.isTrue([...reports.keys()].some((k) => getPersonality(k as KernelId).hidesProc), 'no personality without /proc could run');
    } finally {
      fdops.close(r);
      fdops.close(w);
    }
  });
});

/** Fds valgrind lists as open at exit that the program opened itself (not inherited). */
function leakedPerValgrind(stderr: string): string[] {
  const blocks = stderr.split(/==\d+== Open (?:file descriptor|AF_\w+ socket) /).slice(1);
  return blocks.filter((b) => !/<inherited from parent>/.test(b.split(/==\d+== \n/)[0] ?? b)).map((b) => b.split('\n')[0] ?? '');
}

test.group('probe: under valgrind', () => {
  test('leaves no fd of its own open (--track-fds) and memcheck finds no error', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-probe-test-'));
    try {
      // The static probe under --tool=none (memcheck misreads static glibc internals).
      const path = join(dir, 'r.json');
      const none = spawnSync('valgrind', ['--tool=none', '--track-fds=yes', ...probeArgv(path)], { encoding: 'utf8' });
      assert.equal(none.status, 0, none.stderr);
      assert.match(none.stderr, /FILE DESCRIPTORS: \d+ open/);
      assert.deepEqual(leakedPerValgrind(none.stderr), []);
      assert.isAbove(readProbeReport(path).fds.length, 2);

      // The same code linked dynamically, under memcheck.
      const dyn = probePath().replace(/fdaudit-probe$/, 'fdaudit-probe-dynamic');
      const mc = spawnSync('valgrind', ['--track-fds=yes', '--leak-check=full', '--error-exitcode=99', dyn, '--report', path], { encoding: 'utf8' });
      assert.equal(mc.status, 0, mc.stderr);
      assert.match(mc.stderr, /ERROR SUMMARY: 0 errors/);
      assert.deepEqual(leakedPerValgrind(mc.stderr), []);
      assert.isAbove(readProbeReport(path).fds.length, 2);

      // Negative control: a program that does leave an fd open is caught by the same check.
      if (has('python3')) {
        // The interpreter itself, not a wrapper script (pyenv shims are shell scripts).
        const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
        const leak = spawnSync('valgrind', ['--tool=none', '--track-fds=yes', python, '-c', `import os; os.open(${JSON.stringify(path)}, os.O_RDONLY)`], { encoding: 'utf8' });
        assert.isTrue(leakedPerValgrind(leak.stderr).some((l) => l.includes('r.json')), leak.stderr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }).skip(() => !has('valgrind'), 'valgrind is not installed');
});

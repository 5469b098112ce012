import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fdops from '../../../src/native/fdops.ts';
import { describeFd } from '../../../src/probe/describe.ts';
import { parseProbeReport } from '../../../src/probe/parse.ts';
import { probeArgv } from '../../../src/probe/path.ts';
import type { ProbeReport } from '../../../src/probe/types.ts';

/** A probe child started by Node: it inherits every non-CLOEXEC fd of ours. */
function probeChild(): ProbeReport {
  const [file, ...args] = probeArgv('-');
  const r = spawnSync(file as string, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
  return parseProbeReport(r.stdout, 'probe child');
}

function identityIn(rep: ProbeReport, fd: number): string {
  const f = rep.fds.find((x) => x.fd === fd);
  if (!f) throw new Error(`fd ${fd} is not in the probe report`);
  return f.identity;
}

/** Opens fds through `open`, runs `body`, closes them whatever happens. */
function withFds(open: (own: (fd: number) => number) => void, body: () => void): void {
  const owned: number[] = [];
  try {
    open((fd) => {
      owned.push(fd);
      return fd;
    });
    body();
  } finally {
    for (const fd of owned.reverse()) fdops.close(fd);
  }
}

test.group('identity: same open file', () => {
  test('equal at two fd numbers, in two processes, and in the parent (describeFd)', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-identity-'));
    let a = -1, b = -1, other = -1;
    try {
      writeFileSync(join(dir, 'f'), 'hello world\n');
      writeFileSync(join(dir, 'g'), 'other\n');
      withFds(
        (own) => {
          a = own(fdops.open(join(dir, 'f'), 'r'));
          b = own(fdops.dupAbove(a, 700));
          other = own(fdops.open(join(dir, 'g'), 'r'));
        },
        () => {
          const first = probeChild();
          const second = probeChild();
          assert.notEqual(first.pid, second.pid);
          const id = identityIn(first, a);
          assert.equal(identityIn(first, b), id, 'same open file at two numbers');
          assert.equal(identityIn(second, a), id, 'same open file in another process');
          assert.equal(describeFd(a).identity, id, 'parent-side identity from the same code');
          // Negative control: another file differs.
          assert.notEqual(identityIn(first, other), id);
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('neither O_CLOEXEC nor the position is part of it; the access mode is', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-identity-'));
    try {
      writeFileSync(join(dir, 'f'), 'hello world\n');
      let fd = -1;
      withFds(
        (own) => {
          fd = own(fdops.open(join(dir, 'f'), 'r'));
        },
        () => {
          const before = describeFd(fd);
          readSync(fd, Buffer.alloc(5), 0, 5, null); // moves the position
          fdops.setCloexec(fd, true);
          const after = describeFd(fd);
          assert.notEqual(after.pos, before.pos);
          assert.notEqual(after.flags, before.flags);
          assert.equal(after.identity, before.identity);
          fdops.setCloexec(fd, false);
          // Negative control: the same file opened for writing is another identity.
          const w = fdops.open(join(dir, 'f'), 'w', true);
          try {
            assert.notEqual(describeFd(w).identity, before.identity);
          } finally {
            fdops.close(w);
          }
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test.group('identity: anonymous inodes and pipes', () => {
  /**
   * Opens two of a kind plus a dup of the first, runs the probe, and checks:
   * the two differ, the dup matches (negative control for "differ"), and the
   * parent-side identity equals the child's.
   */
  const kinds: Array<[string, (own: (fd: number) => number) => [number, number]]> = [
    ['eventfd', (own) => [own(fdops.eventfd(0)), own(fdops.eventfd(0))]],
    ['timerfd', (own) => [own(fdops.timerfd(86_400_001)), own(fdops.timerfd(86_400_002))]],
    [
      'epoll',
      (own) => {
        const target = own(fdops.eventfd(0, true));
        const e1 = own(fdops.epoll());
        const e2 = own(fdops.epoll());
        fdops.epollAdd(e1, target, 1);
        fdops.epollAdd(e2, target, 2);
        return [e1, e2];
      },
    ],
    [
      'inotify',
      (own) => {
        const i1 = own(fdops.inotify());
        const i2 = own(fdops.inotify());
        fdops.inotifyAddWatch(i1, '/');
        fdops.inotifyAddWatch(i2, tmpdir());
        return [i1, i2];
      },
    ],
    ['signalfd', (own) => [own(fdops.signalfd(['SIGRTMIN+5'])), own(fdops.signalfd(['SIGRTMIN+6']))]],
    // This process and its parent: two processes, two pidfds.
    ['pidfd', (own) => [own(fdops.pidfd(process.pid)), own(fdops.pidfd(process.ppid))]],
    // Every master shares the /dev/ptmx inode: the tty index tells them apart.
    ['pty', (own) => [own(fdops.ptmx()), own(fdops.ptmx())]],
    ['unix-listen', (own) => [own(fdops.unixListen().fd), own(fdops.unixListen().fd)]],
    ['netlink', (own) => [own(fdops.netlink()), own(fdops.netlink())]],
    ['o-path', (own) => [own(fdops.open('/', 'path')), own(fdops.open(tmpdir(), 'path'))]],
    ['pipe ends', (own) => fdops.pipe().map(own) as [number, number]],
    [
      'two pipes',
      (own) => {
        const [r1, w1] = fdops.pipe();
        const [r2, w2] = fdops.pipe();
        own(w1);
        own(w2);
        return [own(r1), own(r2)];
      },
    ],
  ];

  /** Types other than 'anon'. */
  const TYPES: Record<string, string> = {
    pty: 'char', 'unix-listen': 'socket', netlink: 'socket', 'o-path': 'dir', 'pipe ends': 'pipe', 'two pipes': 'pipe',
  };

  for (const [name, open] of kinds) {
    test(`${name}: two differ, a dup matches, parent and child agree`, ({ assert }) => {
      let x = -1, y = -1, dup = -1;
      withFds(
        (own) => {
          [x, y] = open(own);
          dup = own(fdops.dupAbove(x, 600));
        },
        () => {
          const rep = probeChild();
          assert.notEqual(identityIn(rep, x), identityIn(rep, y));
          assert.equal(identityIn(rep, dup), identityIn(rep, x));
          assert.equal(describeFd(x).identity, identityIn(rep, x));
          assert.equal(describeFd(y).identity, identityIn(rep, y));
          const type = TYPES[name] ?? 'anon';
          assert.equal(rep.fds.find((f) => f.fd === x)?.type, type);
          if (type === 'anon' || name === 'pty') {
            // The fingerprint is there (not "-"): fdinfo told the two apart.
            assert.notMatch(identityIn(rep, x), /:-$/);
          }
        },
      );
    });
  }

  test('documented limit: two timerfds with the same clock and interval look alike', ({ assert }) => {
    let a = -1, b = -1;
    withFds(
      (own) => {
        a = own(fdops.timerfd(86_400_003));
        b = own(fdops.timerfd(86_400_003));
      },
      () => {
        // fdinfo has nothing else that stays put; the bait catalogue gives each timerfd its own interval.
        assert.equal(describeFd(a).identity, describeFd(b).identity);
      },
    );
  });

  test('counters and remaining time do not change an identity', ({ assert }) => {
    let fd = -1;
    withFds(
      (own) => {
        fd = own(fdops.eventfd(0));
      },
      () => {
        const before = describeFd(fd).identity;
        const one = Buffer.alloc(8);
        one.writeBigUInt64LE(5n);
        writeSync(fd, one); // eventfd-count changes
        assert.equal(describeFd(fd).identity, before);
      },
    );
  });
});


test.group('identity: describeFd input', () => {
  test('a closed fd is EBADF; bad arguments are TypeError/RangeError', ({ assert }) => {
    const fd = fdops.open('/dev/null', 'r', true);
    assert.equal(describeFd(fd).type, 'char');
    fdops.close(fd);
    try {
      describeFd(fd);
      assert.fail('a closed fd was described');
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'EBADF');
    }
    assert.throws(() => describeFd('3' as unknown as number), TypeError);
    assert.throws(() => describeFd(-1), RangeError);
    assert.throws(() => describeFd(1.5), RangeError);
  });
});

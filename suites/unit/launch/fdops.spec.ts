import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { launch, launchSync } from '../../../src/launch/index.ts';
import * as fdops from '../../../src/native/fdops.ts';
import { signalName, signalNumber } from '../../../src/native/signals.ts';

test.group('fdops: opening fds', () => {
  test('openers give non-CLOEXEC fds by default and CLOEXEC on request', ({ assert }) => {
    const [r, w] = fdops.pipe();
    const [cr, cw] = fdops.pipe(true);
    try {
      assert.isFalse(fdops.getCloexec(r));
      assert.isFalse(fdops.getCloexec(w));
      assert.isTrue(fdops.getCloexec(cr));
      assert.isTrue(fdops.getCloexec(cw));
      assert.match(readlinkSync(`/proc/self/fd/${r}`), /^pipe:\[\d+\]$/);
    } finally {
      for (const fd of [r, w, cr, cw]) fdops.close(fd);
    }
    assert.isFalse(fdops.isOpen(r));
  });

  test('each kind of fd opens with the expected link target', ({ assert }) => {
    const opened: number[] = [];
    const link = (fd: number): string => readlinkSync(`/proc/self/fd/${fd}`);
    try {
      const ev = fdops.eventfd(7); opened.push(ev);
      assert.equal(link(ev), 'anon_inode:[eventfd]');
      const tf = fdops.timerfd(1234); opened.push(tf);
      assert.equal(link(tf), 'anon_inode:[timerfd]');
      const ep = fdops.epoll(); opened.push(ep);
      assert.equal(link(ep), 'anon_inode:[eventpoll]');
      fdops.epollAdd(ep, ev, 42);
      const mf = fdops.memfd('fdaudit-test'); opened.push(mf);
      assert.match(link(mf), /^\/memfd:fdaudit-test/);
      const ino = fdops.inotify(); opened.push(ino);
      assert.equal(link(ino), 'anon_inode:inotify');
      const [a, c] = fdops.socketpair(); opened.push(a, c);
      assert.match(link(a), /^socket:\[\d+\]$/);
      const tcp = fdops.tcpListen(); opened.push(tcp.fd);
      assert.isAbove(tcp.port, 0);
      const u = fdops.udp(); opened.push(u.fd);
      assert.isAbove(u.port, 0);
      const d = fdops.open('/', 'dir'); opened.push(d);
      assert.equal(link(d), '/');
    } finally {
      for (const fd of opened) fdops.close(fd);
    }
  });

  test('dupTo places an fd at an exact high number and refuses an open target', ({ assert }) => {
    const fd = fdops.open('/dev/null', 'r');
    try {
      assert.equal(fdops.dupTo(fd, 1500), 1500);
      assert.isTrue(fdops.isOpen(1500));
      assert.throws(() => fdops.dupTo(fd, 1500), /already open/);
      fdops.close(1500);
      const above = fdops.dupAbove(fd, 1200);
      assert.isAtLeast(above, 1200);
      fdops.close(above);
    } finally {
      fdops.close(fd);
    }
  });

  test('openFds sees an fd appear and disappear', ({ assert }) => {
    const before = fdops.openFds();
    const fd = fdops.open('/dev/null', 'r');
    assert.include(fdops.openFds(), fd);
    fdops.close(fd);
    assert.deepEqual(fdops.openFds(), before);
  });
});

test.group('fdops: integer arguments', () => {
  test('NaN, infinities, fractions and numbers outside int are RangeErrors naming the argument; control: an int works', ({ assert }) => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e10, -1e10, 2 ** 32 + 5, 1.5]) {
      assert.throws(() => fdops.eventfd(bad), RangeError, /initval must be an integer in the int range/);
      assert.throws(() => fdops.dupAbove(0, bad), RangeError, /must be an integer in the int range/);
    }
    const fd = fdops.eventfd(7);
    assert.isTrue(fdops.isOpen(fd));
    fdops.close(fd);
  });
});

test.group('fdops: limits and signals', () => {
  test('the soft limit can be lowered and restored', ({ assert }) => {
    const { soft, hard } = fdops.getRlimitNofile();
    try {
      fdops.setRlimitNofile(900);
      assert.deepEqual(fdops.getRlimitNofile(), { soft: 900, hard });
    } finally {
      fdops.setRlimitNofile(soft);
    }
    assert.deepEqual(fdops.getRlimitNofile(), { soft, hard });
  });

  test('applySignalState blocks and ignores, then restores exactly', ({ assert }) => {
    const maskBefore = fdops.threadSignalMask();
    const pipeBefore = fdops.signalDisposition('SIGPIPE');
    const restore = fdops.applySignalState({ blocked: ['SIGUSR1'], ignored: ['SIGUSR2'] });
    try {
      assert.include(fdops.threadSignalMask(), 'SIGUSR1');
      assert.equal(fdops.signalDisposition('SIGUSR2'), 'ignore');
    } finally {
      restore();
    }
    assert.deepEqual(fdops.threadSignalMask(), maskBefore);
    assert.equal(fdops.signalDisposition('SIGUSR2'), 'default');
    assert.equal(fdops.signalDisposition('SIGPIPE'), pipeBefore);
  });

  test('signal names round-trip, real-time ones included, and unknown names are refused', ({ assert }) => {
    for (const n of [1, 2, 9, 10, 13, 15, 17, 31, 32, 33, 34, 35, 64]) assert.equal(signalNumber(signalName(n)), n);
    assert.equal(signalName(36), 'SIGRTMIN+2');
    assert.throws(() => signalNumber('SIGNOPE'), /unknown signal name 'SIGNOPE'/);
  });
});

test.group('fdops: zombies', () => {
  test('a child that exited and was not reaped is a zombie until it is reaped', async ({ assert }) => {
    // launch() reaps only when `exited` is watched; spawnSync of a sleeper gives the child time to exit.
    const h = launch('/bin/true', []);
    spawnSync('/bin/sleep', ['0.2']);
    assert.include(zombieList(), h.pid);
    assert.deepEqual(await h.exited, { code: 0, signal: null });
    assert.notInclude(zombieList(), h.pid);
    launchSync('/bin/true', []);
    assert.notInclude(zombieList(), h.pid);
  });
});

function zombieList(): number[] {
  return fdops.zombieChildren();
}

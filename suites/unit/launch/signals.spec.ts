/**
 * Signals: a parent with handlers, ignored signals and a blocked mask,
 * flooded with signals while it launches. Every child starts with default
 * dispositions (except ignoreSignals), exactly the configured mask, and the
 * parent keeps its own state. (That no parent handler ever runs inside a
 * child is proven by the C driver, whose handler records the pid it ran in:
 * cdriver.spec.ts.)
 */
import { test } from '@japa/runner';
import { spawn } from 'node:child_process';
import { launchSync } from '../../../src/launch/index.ts';
import { applySignalState, signalDisposition, threadSignalMask } from '../../../src/native/fdops.ts';
import { signalNumber } from '../../../src/native/signals.ts';
import { leftovers, newFds, see } from './helpers.ts';

const num = (names: string[]): number[] => names.map(signalNumber).sort((a, b) => a - b);

test.group('launch signals', () => {
  test('parent handlers, ignored and blocked signals do not reach the child', ({ assert }) => {
    const onUsr1 = (): void => {};
    process.on('SIGUSR1', onUsr1);
    const restore = applySignalState({ ignored: ['SIGHUP', 'SIGPIPE'], blocked: ['SIGUSR2', 'SIGTERM'] });
    try {
      // The parent's state is what the test says, so a child copying it would show.
      assert.equal(signalDisposition('SIGUSR1'), 'handler');
      assert.equal(signalDisposition('SIGHUP'), 'ignore');
      assert.includeMembers(threadSignalMask(), ['SIGUSR2', 'SIGTERM']);
      const { seen } = see();
      assert.deepEqual(seen.handled, []);
      assert.deepEqual(seen.ignored, []);
      assert.deepEqual(seen.blocked, []);
      // And the parent still has all of it after the launch.
      assert.equal(signalDisposition('SIGUSR1'), 'handler');
      assert.equal(signalDisposition('SIGHUP'), 'ignore');
      assert.includeMembers(threadSignalMask(), ['SIGUSR2', 'SIGTERM']);
    } finally {
      restore();
      process.off('SIGUSR1', onUsr1);
    }
  });

  test('signalMask and ignoreSignals give the child exactly that state', ({ assert }) => {
    const { seen } = see({ signalMask: ['SIGUSR2', 'SIGINT', 'SIGRTMIN+3'], ignoreSignals: ['SIGPIPE', 'SIGQUIT'] });
    assert.deepEqual(seen.blocked, num(['SIGUSR2', 'SIGINT', 'SIGRTMIN+3']));
    assert.deepEqual(seen.ignored, num(['SIGPIPE', 'SIGQUIT']));
    assert.deepEqual(seen.handled, []);
  });

  test('a signal flood with handlers installed during 300 launches', async ({ assert }) => {
    let handled = 0;
    const onFlood = (): void => {
      handled++;
    };
    // Signals whose default action is to ignore: one arriving after the handlers are gone is harmless.
    process.on('SIGWINCH', onFlood);
    process.on('SIGURG', onFlood);
    const before = leftovers();
    // A shell loop of its builtin kill: thousands of signals a second at this process.
    const flooder = spawn('/bin/sh', ['-c', `while kill -WINCH ${process.pid} && kill -URG ${process.pid}; do :; done`], { stdio: 'ignore' });
    try {
      let ok = 0;
      for (let i = 0; i < 300; i++) if (launchSync('/bin/true', []).code === 0) ok++;
      const seen = [];
      for (let i = 0; i < 20; i++) seen.push(see({ signalMask: ['SIGUSR2'], ignoreSignals: ['SIGHUP'] }).seen);
      // Let the loop run the handlers for what arrived meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(ok, 300);
      assert.isAbove(handled, 0, 'the flood did reach the parent handler');
      for (const s of seen) {
        assert.deepEqual(s.handled, []);
        assert.deepEqual(s.blocked, num(['SIGUSR2']));
        assert.deepEqual(s.ignored, num(['SIGHUP']));
      }
    } finally {
      flooder.kill('SIGKILL');
      await new Promise((resolve) => flooder.once('exit', resolve));
      process.off('SIGWINCH', onFlood);
      process.off('SIGURG', onFlood);
    }
    const after = leftovers();
    assert.deepEqual(after.zombies, []);
    assert.deepEqual(newFds(before, after), [], 'no fd left open in the parent');
  }).timeout(120_000);

  test('processGroup puts the child in a group of its own; the default does not', ({ assert }) => {
    const own = see({ processGroup: true }).seen;
    assert.equal(own.pgid, own.pid);
    const shared = see().seen;
    assert.notEqual(shared.pgid, shared.pid);
  });
});

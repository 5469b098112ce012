/** The exposing scenarios: each sets up exactly its parent state and restores what was there. */
import { test } from '@japa/runner';
import { readlinkSync } from 'node:fs';
import {
  applySignalState, getRlimitNofile, isOpen, setRlimitNofile, signalDisposition, threadSignalMask,
} from '../../../src/native/fdops.ts';
import { blockedAndIgnoredSignals, forcedFallback, raisedSoftLimit, stdinClosed } from '../../../src/launchers/scenarios.ts';

test.group('launchers: exposing scenarios', () => {
  test('forced fallback: forced on the host and where close_range works, unforced where it fails', ({ assert }) => {
    for (const kernel of ['host', 'linux-5.10', 'no-proc']) {
      assert.deepEqual(forcedFallback.enter({ kernel }).context, { closeStrategy: 'loop' }, kernel);
    }
    for (const kernel of ['linux-5.8', 'linux-5.2', 'container-eperm', 'linux-5.8+no-proc']) {
      const s = forcedFallback.enter({ kernel });
      assert.deepEqual(s.context, {}, kernel);
      assert.equal(s.applied, `unforced: close_range fails under ${kernel}`);
    }
  });

  test('stdin closed: fd 0 is closed inside the spawn step only, then the same file is back', async ({ assert }) => {
    if (!isOpen(0)) {
      // Started with stdin closed: the scenario has nothing to close and must not open anything there.
      const s = stdinClosed.enter({ kernel: 'host' });
      assert.isFalse(s.context.aroundSpawn?.(() => isOpen(0)));
      await s.restore();
      assert.isFalse(isOpen(0));
      return;
    }
    const target = readlinkSync('/proc/self/fd/0');
    const s = stdinClosed.enter({ kernel: 'host' });
    assert.isTrue(s.context.stdinClosed);
    const seen = s.context.aroundSpawn?.(() => isOpen(0));
    assert.isFalse(seen, 'fd 0 closed while the child is created');
    await s.restore();
    assert.isTrue(isOpen(0));
    assert.equal(readlinkSync('/proc/self/fd/0'), target);
  });

  test('raised soft limit: raised to the hard limit when it is not far above 1024, then restored', async ({ assert }) => {
    const before = getRlimitNofile();
    setRlimitNofile(2048, before.hard);
    try {
      const s = raisedSoftLimit.enter({ kernel: 'host' });
      assert.equal(getRlimitNofile().soft, before.hard === 'unlimited' ? 65536 : before.hard);
      await s.restore();
      assert.equal(getRlimitNofile().soft, 2048);
      // Already far raised (Node's state): nothing changes.
      setRlimitNofile(before.hard, before.hard);
      const t = raisedSoftLimit.enter({ kernel: 'host' });
      assert.match(t.applied, /^parent soft limit /);
      await t.restore();
      assert.equal(getRlimitNofile().soft, before.hard);
    } finally {
      setRlimitNofile(before.soft, before.hard);
    }
  });

  test('blocked and ignored signals: SIGUSR1 blocked and SIGUSR2 ignored, then both as before', async ({ assert }) => {
    const mask = threadSignalMask();
    const usr2 = signalDisposition('SIGUSR2');
    assert.notInclude(mask, 'SIGUSR1');
    const s = blockedAndIgnoredSignals.enter({ kernel: 'host' });
    assert.include(threadSignalMask(), 'SIGUSR1');
    assert.equal(signalDisposition('SIGUSR2'), 'ignore');
    await s.restore();
    assert.deepEqual(threadSignalMask(), mask);
    assert.equal(signalDisposition('SIGUSR2'), usr2);
    // Control: the helper does see a change it did not undo.
    const undo = applySignalState({ ignored: ['SIGUSR2'] });
    assert.equal(signalDisposition('SIGUSR2'), 'ignore');
    undo();
    assert.equal(signalDisposition('SIGUSR2'), usr2);
  });
});

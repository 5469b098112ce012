/**
 * The engine keeps this process's signal dispositions from one launch to the next, whatever an
 * in-process adapter (or the library it calls) does to them while it runs: a signal left ignored or
 * defaulted is put back; one that now has a handler belongs to whoever listens and is left alone.
 */
import { test } from '@japa/runner';
import { spawn } from 'node:child_process';
import { audit } from '../../../src/audit/audit.ts';
import { restoreDispositions, signalDispositions } from '../../../src/audit/dispositions.ts';
import { ignoredSignals } from '../../../src/launchers/host-signals.ts';
import { adapterLauncher, type AdapterDefinition } from '../../../src/launchers/user.ts';
import { applySignalState, signalDisposition } from '../../../src/native/fdops.ts';

/** Runs argv as child_process.spawn would, after changing three dispositions in this process. */
function meddling(onHangup: () => void): AdapterDefinition {
  return {
    id: 'meddling',
    canPassFds: false,
    launch(argv) {
      // Node ignores SIGXFSZ at start-up: left at its default, as execa's signal-exit leaves it.
      applySignalState({ defaulted: ['SIGXFSZ'], ignored: ['SIGVTALRM'] });
      process.on('SIGHUP', onHangup);
      const [file, ...args] = argv;
      return new Promise((resolve, reject) => {
        const child = spawn(file as string, args, { stdio: 'ignore' });
        child.once('error', reject);
        child.once('exit', (code, signal) => resolve({ code, signal }));
      });
    },
  };
}

test.group('audit engine: signal dispositions around an in-process adapter', (group) => {
  const onHangup = (): void => {};
  let before = signalDispositions();
  group.each.setup(() => {
    before = signalDispositions();
    return () => {
      process.removeListener('SIGHUP', onHangup);
      restoreDispositions(before);
    };
  });

  test('control: the adapter called directly changes them', async ({ assert }) => {
    assert.equal(signalDisposition('SIGXFSZ'), 'ignore');
    assert.equal(signalDisposition('SIGVTALRM'), 'default');
    assert.equal(signalDisposition('SIGHUP'), 'default');
    await meddling(onHangup).launch(['/bin/true'], { keep: [], timeoutMs: 5000, signal: new AbortController().signal });
    assert.equal(signalDisposition('SIGXFSZ'), 'default');
    assert.equal(signalDisposition('SIGVTALRM'), 'ignore');
    assert.equal(signalDisposition('SIGHUP'), 'handler');
  });

  test('through the engine: ignored and default are put back, a handler in use is left, and the next launch starts from the same parent', async ({ assert }) => {
    const ignoredBefore = ignoredSignals();
    assert.include(ignoredBefore, 'SIGXFSZ');
    const [r] = await audit({ launchers: [adapterLauncher(meddling(onHangup))], baits: ['pipe'] });
    assert.notEqual(r?.status, 'error', r?.error ?? '');
    assert.equal(signalDisposition('SIGXFSZ'), 'ignore', 'ignored again');
    assert.equal(signalDisposition('SIGVTALRM'), 'default', 'default again');
    assert.equal(signalDisposition('SIGHUP'), 'handler', 'a listener added by the adapter keeps its handler');
    // A launcher that hands on what it finds shows the parent the next launch gets: the one from before.
    const [next] = await audit({ launchers: ['mutant:no-signal-reset'], baits: ['pipe'], scenarios: false, parentSignals: false });
    assert.sameMembers(next?.signals?.ignored ?? [], ignoredBefore, JSON.stringify(next));
  });

  test('restoreDispositions: only what moved between ignored and default, and it says which', ({ assert }) => {
    const snapshot = signalDispositions();
    assert.deepEqual(restoreDispositions(snapshot), [], 'nothing moved');
    applySignalState({ defaulted: ['SIGXFSZ'], ignored: ['SIGVTALRM'] });
    process.on('SIGHUP', onHangup);
    assert.sameMembers(restoreDispositions(snapshot), ['SIGXFSZ', 'SIGVTALRM']);
    assert.equal(signalDisposition('SIGHUP'), 'handler');
    assert.notInclude([...snapshot.keys()], 'SIGKILL');
  });
});

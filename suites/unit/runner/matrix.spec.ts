/**
 * The runner's plumbing without launching anything: matrix rows under a run's selection and grep, test
 * names with and without the kernel, the records reporter on japa events, the grep refiner, the
 * per-run result list.
 */
import { test } from '@japa/runner';
import { Emitter } from '@japa/runner/core';
import type { AuditResult } from '../../../src/audit/types.ts';
import { BAIT_KINDS } from '../../../src/bait/types.ts';
import type { TestRecord } from '../../../src/report/types.ts';
import { GrepRefiner, recordsReporter } from '../../../src/runner/collector.ts';
import { fdaudit } from '../../../src/runner/plugin.ts';
import { progressReporter } from '../../../src/runner/progress.ts';
import { matrixRows, selectedBaits, selectedLaunchers, testName } from '../../../src/runner/matrix.ts';
import { collectedResults, configureRun, runState, type RunOptions } from '../../../src/runner/state.ts';

/** Runs `fn` with the run's options changed, and restores them (other specs share this process). */
function withOptions<T>(changes: Partial<RunOptions>, fn: () => T): T {
  const saved = { ...runState().options };
  configureRun(changes);
  try {
    return fn();
  } finally {
    runState().options = saved;
  }
}

async function withOptionsAsync(changes: Partial<RunOptions>, fn: () => Promise<void>): Promise<void> {
  const saved = { ...runState().options };
  configureRun(changes);
  try {
    await fn();
  } finally {
    runState().options = saved;
  }
}

function result(launcher: string, kernel: string, kinds: string[]): AuditResult {
  return {
    launcher,
    kernel,
    status: 'sealed',
    baits: kinds.map((k, i) => ({ kind: k as never, fd: 10 + i, expected: 'absent' as const, crossed: false, childFd: null })),
    extraFds: [],
    rlimitNofile: { soft: 1024, hard: 4096 },
    signals: { blocked: [], ignored: [] },
    closeStrategy: null,
    error: null,
    durationMs: 0,
  };
}

test.group('runner matrix: rows and names', () => {
  test('launchers × baits in the order given and catalogue order, named launcher › bait', ({ assert }) => {
    const rows = withOptions({ launchers: null, baits: null, grep: null, matrix: false, kernel: 'host' }, () =>
      matrixRows({ launchers: ['node:spawn', 'native'], baits: ['pipe', 'file'] }),
    );
    assert.deepEqual(rows.map((r) => r.name), ['node:spawn › file', 'node:spawn › pipe', 'native › file', 'native › pipe']);
    assert.deepEqual(rows[0], { launcher: 'node:spawn', bait: 'file', kernel: 'host', name: 'node:spawn › file' });
  });

  test('the run selection (--launcher, --bait) narrows the rows; --grep filters by name', ({ assert }) => {
    withOptions({ launchers: ['native'], baits: ['pipe', 'high-fd'], grep: null, matrix: false }, () => {
      assert.deepEqual(matrixRows({ launchers: ['node:spawn', 'native'] }).map((r) => r.name), ['native › pipe', 'native › high-fd']);
      assert.deepEqual(selectedLaunchers(['node:spawn', 'native', 'fork']), ['native']);
      assert.deepEqual(selectedBaits(), ['pipe', 'high-fd']);
      // Nothing of the matrix selected: no rows (auditMatrix then defines no test).
      assert.deepEqual(matrixRows({ launchers: ['node:spawn'] }), []);
    });
    withOptions({ launchers: null, baits: null, grep: 'high', matrix: false }, () => {
      assert.deepEqual(matrixRows({ launchers: ['native', 'fork'] }).map((r) => r.name), ['native › high-fd', 'fork › high-fd']);
    });
    // Control: without a selection every built-in launcher and every bait kind is a row.
    withOptions({ launchers: null, baits: null, grep: null, matrix: false }, () => {
      assert.deepEqual(selectedBaits(), [...BAIT_KINDS]);
      assert.include(selectedLaunchers(), 'native');
      assert.include(selectedLaunchers(), 'node:spawn');
    });
  });

  test('in a multi-kernel run every name carries the kernel', ({ assert }) => {
    withOptions({ launchers: null, baits: ['pipe'], grep: null, matrix: true, kernel: 'linux-5.8' }, () => {
      assert.deepEqual(matrixRows({ launchers: ['native'] }), [
        { launcher: 'native', bait: 'pipe', kernel: 'linux-5.8', name: 'native › pipe [linux-5.8]' },
      ]);
      assert.equal(testName('ext:mine', 'signals'), 'ext:mine › signals [linux-5.8]');
    });
    withOptions({ matrix: false, kernel: 'host' }, () => assert.equal(testName('ext:mine', 'signals'), 'ext:mine › signals'));
  });
});

test.group('runner records reporter', () => {
  /** Emits like japa does (emittery: listeners run asynchronously, so the caller awaits). */
  async function emit(emitter: Emitter, node: Record<string, unknown>): Promise<void> {
    const base = {
      title: { original: 't', expanded: 't' },
      tags: [],
      timeout: 0,
      meta: {},
      isPinned: false,
      duration: 12.4,
      hasError: false,
      errors: [],
    };
    await (emitter as unknown as { emit: (e: string, d: unknown) => Promise<void> }).emit('test:end', { ...base, ...node });
  }

  test('a failed matrix row becomes a failed record with launcher, bait, kernel and the message', async ({ assert }) => {
    const sink: TestRecord[] = [];
    const emitter = new Emitter();
    await withOptionsAsync({ matrix: false, kernel: 'host' }, async () => {
      recordsReporter(sink, '/work/x').handler({} as never, emitter);
      await emit(emitter, {
        title: { original: '{name}', expanded: 'node:spawn › pipe' },
        meta: { fileName: '/work/x/suites/audit/a.spec.ts' },
        dataset: { size: 2, index: 0, row: { launcher: 'node:spawn', bait: 'pipe', kernel: 'host', name: 'node:spawn › pipe' } },
        hasError: true,
        errors: [{ phase: 'test', error: new Error('node:spawn leaked pipe fd 17 -> child fd 17 (pipe:[1]) [kernel host]') }],
      });
      await emit(emitter, { title: { original: 'plain', expanded: 'plain' } });
    });
    assert.deepEqual(sink[0], {
      name: 'node:spawn › pipe',
      file: 'suites/audit/a.spec.ts',
      launcher: 'node:spawn',
      kernel: 'host',
      bait: 'pipe',
      status: 'failed',
      message: 'node:spawn leaked pipe fd 17 -> child fd 17 (pipe:[1]) [kernel host]',
      durationMs: 12,
    });
    // Control: a plain passing test has no launcher, bait or kernel.
    assert.deepEqual(sink[1], { name: 'plain', status: 'passed', durationMs: 12 });
  });

  test('skips: japa skips, and tests whose results were all skipped; the kernel is added in a matrix run', async ({ assert }) => {
    const sink: TestRecord[] = [];
    const emitter = new Emitter();
    await withOptionsAsync({ matrix: true, kernel: 'no-proc' }, async () => {
      recordsReporter(sink, '/').handler({} as never, emitter);
      await emit(emitter, { title: { original: 'a', expanded: 'a' }, isSkipped: true, skipReason: 'not here' });
      await emit(emitter, {
        title: { original: 'b', expanded: 'ext:python-subprocess › pipe' },
        meta: { fdaudit: { launcher: 'ext:python-subprocess', kernel: 'no-proc', bait: 'pipe', skipped: 'python3 not found' } },
      });
    });
    assert.deepInclude(sink[0], { name: 'a [no-proc]', status: 'skipped', message: 'not here', kernel: 'no-proc' });
    assert.deepInclude(sink[1], {
      name: 'ext:python-subprocess › pipe [no-proc]',
      status: 'skipped',
      message: 'python3 not found',
      launcher: 'ext:python-subprocess',
      bait: 'pipe',
    });
  });

  test('a failing group hook is a failed record', async ({ assert }) => {
    const sink: TestRecord[] = [];
    const emitter = new Emitter();
    recordsReporter(sink, '/').handler({} as never, emitter);
    const raw = emitter as unknown as { emit: (e: string, d: unknown) => Promise<void> };
    // A group whose test failed (hasError, no hook error) needs no record of its own: the test has one.
    await raw.emit('group:end', { title: 'failed test inside', meta: {}, hasError: true, errors: [] });
    await raw.emit('group:end', {
      title: 'g',
      meta: {},
      hasError: true,
      errors: [{ phase: 'setup', error: new Error('boom') }],
    });
    await raw.emit('group:end', { title: 'ok', meta: {}, hasError: false, errors: [] });
    assert.deepEqual(sink, [{ name: 'g (group hooks)', status: 'failed', message: 'setup: boom', durationMs: 0 }]);
  });
});

test.group('runner grep refiner and results', () => {
  const fake = (title: string, parent?: string): never =>
    ({ title, parent: parent ? { title: parent } : undefined, options: { tags: [], meta: {} } }) as never;

  test('plain titles (group + test) must contain the text; dataset templates pass to their rows', ({ assert }) => {
    withOptions({ grep: 'seal' }, () => {
      const r = new GrepRefiner();
      assert.isTrue(r.allows(fake('native seals', 'g')));
      assert.isTrue(r.allows(fake('x', 'sealed launchers')));
      assert.isFalse(r.allows(fake('node leaks', 'baseline')));
      assert.isTrue(r.allows(fake('{name}', 'baseline')));
    });
    withOptions({ grep: null }, () => assert.isTrue(new GrepRefiner().allows(fake('node leaks', 'baseline'))));
  });

  test('collected results keep one row per launcher and kernel, the widest audit', ({ assert }) => {
    const s = runState();
    const saved = [...s.results];
    s.results.length = 0;
    try {
      s.results.push(result('native', 'host', ['pipe']), result('native', 'host', ['pipe', 'file']), result('native', 'linux-5.8', ['pipe']));
      s.results.push(result('native', 'host', ['file']));
      const rows = collectedResults();
      assert.deepEqual(rows.map((r) => `${r.launcher}/${r.kernel}/${r.baits.length}`), ['native/host/2', 'native/linux-5.8/1']);
    } finally {
      s.results.length = 0;
      s.results.push(...saved);
    }
  });
});

test.group('runner progress line', () => {
  const fakeTest = (title: string, dataset?: unknown[]): unknown => ({ title, dataset, options: { tags: [], meta: {} } });

  test('counts dataset rows, leaves out what --grep filters, redraws one line per finished test', async ({ assert }) => {
    let written = '';
    const stream = { isTTY: true, columns: 80, write: (c: string) => ((written += c), true) };
    const emitter = new Emitter();
    const runner = {
      suites: [{ stack: [{ tests: [fakeTest('{name}', [1, 2, 3]), fakeTest('a native check')] }, fakeTest('node leaks')] }],
    };
    await withOptionsAsync({ grep: 'native' }, async () => {
      progressReporter(new GrepRefiner(), stream).handler(runner as never, emitter);
      const raw = emitter as unknown as { emit: (e: string, d: unknown) => Promise<void> };
      await raw.emit('runner:start', {});
      await raw.emit('test:end', { title: { original: '{name}', expanded: 'native › pipe' } });
      await raw.emit('runner:end', {});
    });
    // 3 rows + 1 matching test; 'node leaks' is filtered out by --grep native.
    assert.include(written, '[1/4] native › pipe');
    assert.isTrue(written.endsWith('\r\u001b[K'), 'the line is erased at the end');
  });

  test('silent when the stream is not a terminal', async ({ assert }) => {
    let written = '';
    const stream = { isTTY: false, write: (c: string) => ((written += c), true) };
    const emitter = new Emitter();
    progressReporter(undefined, stream).handler({ suites: [] } as never, emitter);
    const raw = emitter as unknown as { emit: (e: string, d: unknown) => Promise<void> };
    await raw.emit('runner:start', {});
    await raw.emit('test:end', { title: { original: 'x', expanded: 'x' } });
    assert.equal(written, '');
  });
});

test.group('runner plugin options', () => {
  test('bad options throw when the config is written, naming the bad value; good ones do not', ({ assert }) => {
    assert.throws(() => fdaudit({ baits: ['pipes' as never] }), /^fdaudit\(options\): unknown bait kind 'pipes'; valid: file, dir, pipe/);
    assert.throws(() => fdaudit({ launchers: ['nativ'] }), /^fdaudit\(options\): unknown launcher 'nativ'; valid: .*\bnative\b/);
    assert.throws(() => fdaudit({ kernel: '' }), TypeError);
    assert.doesNotThrow(() => fdaudit({ launchers: ['native', 'node:spawn'], baits: ['pipe', 'high-fd'], grep: 'pipe' }));
  });
});

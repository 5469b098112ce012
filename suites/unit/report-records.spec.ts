import { test } from '@japa/runner';
import { recordFromTestEnd, type TestEndLike } from '../../src/report/japa.ts';

const node = (over: Partial<TestEndLike>): TestEndLike => ({
  title: { original: '{launcher} › pipe', expanded: 'node:spawn › pipe' },
  duration: 12.5,
  hasError: false,
  errors: [],
  meta: { fileName: '/repo/suites/audit/launchers.spec.ts' },
  ...over,
});

test.group('report: records from japa test:end events', () => {
  test('a passing test: expanded title, spec path relative to cwd, duration', ({ assert }) => {
    assert.deepEqual(recordFromTestEnd(node({}), { cwd: '/repo', launcher: 'node:spawn', kernel: 'host', bait: 'pipe' }), {
      name: 'node:spawn › pipe',
      status: 'passed',
      durationMs: 12.5,
      file: 'suites/audit/launchers.spec.ts',
      launcher: 'node:spawn',
      kernel: 'host',
      bait: 'pipe',
    });
  });

  test('a failing test carries its assertion messages, colour codes removed, hook phases named', ({ assert }) => {
    const r = recordFromTestEnd(
      node({
        hasError: true,
        errors: [
          { phase: 'test', error: new Error('node:spawn leaked pipe fd 17 -> child fd 17 (\u001b[31mpipe:[123]\u001b[39m)') },
          { phase: 'teardown', error: new Error('fd 40 still open') },
        ],
        meta: { fileName: 'suites/x.spec.ts', launcher: 'node:spawn', kernel: 'linux-5.8' },
      }),
    );
    assert.equal(r.status, 'failed');
    assert.equal(r.message, 'node:spawn leaked pipe fd 17 -> child fd 17 (pipe:[123])\nteardown: fd 40 still open');
    assert.equal(r.file, 'suites/x.spec.ts');
    assert.equal(r.launcher, 'node:spawn');
    assert.equal(r.kernel, 'linux-5.8');
  });

  test('skipped and todo tests are skipped, with the reason', ({ assert }) => {
    const skipped = recordFromTestEnd(node({ isSkipped: true, skipReason: 'python3 not found' }));
    assert.equal(skipped.status, 'skipped');
    assert.equal(skipped.message, 'python3 not found');
    const todo = recordFromTestEnd(node({ isTodo: true }));
    assert.equal(todo.status, 'skipped');
    assert.equal(todo.message, 'todo');
    // A skipped test that also recorded an error is still skipped, not failed.
    assert.equal(recordFromTestEnd(node({ isSkipped: true, hasError: true })).status, 'skipped');
  });
});

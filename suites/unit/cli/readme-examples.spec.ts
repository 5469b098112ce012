/**
 * The reader behind the packaged-install test's README examples: markers to files and commands, and the
 * comparison of shown output with real output (which must be able to fail).
 */
import { test } from '@japa/runner';
import { missingLines, normalise, readmeExamples } from './readme-examples.ts';

const SAMPLE = [
  'text',
  '<!-- readme-example demo: file demo.mjs -->',
  '```js',
  "console.log('pid', process.pid);",
  '```',
  '<!-- readme-example demo: run -->',
  '```',
  '$ node demo.mjs',
  'pid 4242',
  '$ false',
  '$ echo $?',
  '1',
  '```',
].join('\n');

test.group('README examples: markers and output comparison', () => {
  test('a file block is written verbatim; a run block gives commands, their shown output and exit status', ({ assert }) => {
    const demo = readmeExamples(SAMPLE).get('demo');
    assert.deepEqual(demo?.files, [{ name: 'demo.mjs', content: "console.log('pid', process.pid);\n" }]);
    assert.deepEqual(demo?.commands, [
      { command: 'node demo.mjs', shown: ['pid 4242'], exit: 0 },
      { command: 'false', shown: [], exit: 1 },
    ]);
    assert.throws(() => readmeExamples('<!-- readme-example x: run -->\nno fence\n'), /not followed by a fenced block/);
  });

  test('README.md has the library, spec, config, --exec and audit examples, each with something to run', ({ assert }) => {
    const all = readmeExamples();
    for (const name of ['library', 'spec', 'config', 'exec', 'audit']) assert.isAbove(all.get(name)?.commands.length ?? 0, 0, name);
    assert.deepEqual(all.get('spec')?.files.map((f) => f.name), ['my.spec.ts']);
    assert.deepEqual(all.get('config')?.files.map((f) => f.name), ['fdaudit.config.mjs']);
  });

  test('shown lines must appear in order; numbers, durations and table widths may differ; `…` skips; the tests line is exact', ({ assert }) => {
    const real = ['x', '│ node:spawn │ ✗ 123 │', 'pid 7', '  ✔ native › pipe (0.12ms)', 'tests: 3 passed, 0 failed'].join('\n');
    assert.deepEqual(missingLines(['│ node:spawn    │ ✗ 19    │', '…', 'pid 4242', '  ✔ native › pipe (81.2ms)', 'tests: 3 passed, 0 failed'], real), []);
    assert.deepEqual(missingLines(['pid 4242', '│ node:spawn │ ✗ 19 │'], real), ['│ node:spawn │ ✗ 19 │'], 'out of order');
    assert.deepEqual(missingLines(['tests: 4 passed, 0 failed'], real), ['tests: 4 passed, 0 failed']);
    assert.deepEqual(missingLines(['no such line'], real), ['no such line']);
    assert.equal(normalise('┌──────┬──┐'), '┌─┬─┐');
  });
});

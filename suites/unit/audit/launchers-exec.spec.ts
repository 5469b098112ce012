import { test } from '@japa/runner';
import { expandTemplate, parseExecSpec, splitTemplate, execLauncher } from '../../../src/launchers/user.ts';
import { getLauncher, launcherIds, launchers } from '../../../src/launchers/registry.ts';

test.group('launchers: registry', () => {
  test('every id of DESIGN.md §5 is registered, with a one-line description', ({ assert }) => {
    const ids = launcherIds();
    for (const id of [
      'native', 'native:leak', 'fork', 'posix_spawn', 'node:spawn', 'node:spawnSync', 'node:execFile', 'node:exec',
      'ext:python-subprocess', 'ext:sh', 'mutant:naive-dup', 'mutant:fd-setsize-fallback', 'mutant:no-rlimit-reset',
      'mutant:no-signal-reset',
    ]) {
      assert.include(ids, id);
    }
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    for (const l of launchers) {
      assert.isAbove(l.description.length, 10, l.id);
      assert.notInclude(l.description, '\n', l.id);
    }
  });

  test('getLauncher names the bad id and lists the valid ones', ({ assert }) => {
    assert.equal(getLauncher('native').id, 'native');
    assert.throws(() => getLauncher('no-such-launcher'), /unknown launcher 'no-such-launcher'; valid: .*node:spawn.*native/);
  });
});

test.group('launchers: --exec templates', () => {
  test('splitTemplate splits on blanks and honours quotes and escapes, expanding nothing', ({ assert }) => {
    assert.deepEqual(splitTemplate('python3  -c "import os; print(1)" {probe}'), ['python3', '-c', 'import os; print(1)', '{probe}']);
    assert.deepEqual(splitTemplate(`sh -c 'exec "$@"' sh {probe}`), ['sh', '-c', 'exec "$@"', 'sh', '{probe}']);
    assert.deepEqual(splitTemplate('a\\ b "" $HOME *'), ['a b', '', '$HOME', '*']);
    assert.deepEqual(splitTemplate('x "a\\"b"'), ['x', 'a"b']);
    assert.throws(() => splitTemplate("x 'open"), /unterminated ' quote/);
    assert.throws(() => splitTemplate('x \\'), /lone backslash/);
  });

  test('parseExecSpec gives ext:NAME and the words; {probe} expands to separate words', ({ assert }) => {
    const spec = parseExecSpec('mine=env -i {probe} --extra');
    assert.equal(spec.id, 'ext:mine');
    assert.deepEqual(expandTemplate(spec.words, ['/p/probe', '--report', '/tmp/r.json']), ['env', '-i', '/p/probe', '--report', '/tmp/r.json', '--extra']);
    assert.equal(parseExecSpec('ext:other=env {probe}').id, 'ext:other');
    assert.equal(execLauncher('x=env {probe}').kind, 'external');
  });

  test('a template without {probe}, without NAME= or with a bad name is an error naming the problem', ({ assert }) => {
    assert.throws(() => parseExecSpec('mine=env true'), /no \{probe\}/);
    assert.throws(() => parseExecSpec('env {probe}'), /expected NAME=TEMPLATE/);
    assert.throws(() => parseExecSpec('=env {probe}'), /expected NAME=TEMPLATE/);
    assert.throws(() => parseExecSpec('bad name=env {probe}'), /launcher name 'bad name' is not valid/);
    assert.throws(() => parseExecSpec('m=env --cmd={probe}'), /must be a word of its own/);
    assert.throws(() => parseExecSpec('m=   '), /template is empty/);
    assert.throws(() => parseExecSpec('m={probe}'), /must start with the launcher program/);
    assert.throws(() => parseExecSpec("m=sh -c 'x {probe}"), /unterminated/);
    for (const bad of ['mine=env true', 'env {probe}']) {
      assert.throws(() => parseExecSpec(bad), TypeError);
    }
  });
});

/**
 * Failed launches: the right LaunchError (code, errno, syscall, path), no
 * zombie, no fd left open in the parent. And 1,000 launches in a row.
 */
import { test } from '@japa/runner';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LaunchError, launchSync } from '../../../src/launch/index.ts';
import type { LaunchOptions } from '../../../src/launch/types.ts';
import { leftovers, newFds } from './helpers.ts';

function failure(file: string, options: LaunchOptions = {}): LaunchError {
  try {
    launchSync(file, [], options);
  } catch (e) {
    if (e instanceof LaunchError) return e;
    throw e;
  }
  throw new Error(`launching ${file} did not fail`);
}

test.group('launch errors', (group) => {
  let dir = '';
  group.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdaudit-launch-errors-'));
    writeFileSync(join(dir, 'noexec'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    writeFileSync(join(dir, 'nohashbang'), 'exit 3\n', { mode: 0o755 });
    writeFileSync(join(dir, 'script'), '#!/bin/sh\nexit 4\n', { mode: 0o755 });
    return () => rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<{ what: string; file: () => string; options?: () => LaunchOptions; code: string; errno: number; syscall: string }> = [
    { what: 'a missing program (absolute path)', file: () => '/nonexistent/fdaudit-x', code: 'ENOENT', errno: 2, syscall: 'execve' },
    { what: 'a missing program (PATH lookup)', file: () => 'fdaudit-no-such-program', code: 'ENOENT', errno: 2, syscall: 'execve' },
    { what: 'a directory', file: () => dir, code: 'EACCES', errno: 13, syscall: 'execve' },
    { what: 'a file without execute permission', file: () => join(dir, 'noexec'), code: 'EACCES', errno: 13, syscall: 'execve' },
    { what: 'a script without #! (not handed to a shell)', file: () => join(dir, 'nohashbang'), code: 'ENOEXEC', errno: 8, syscall: 'execve' },
    { what: 'a cwd that does not exist', file: () => '/bin/true', options: () => ({ cwd: join(dir, 'missing') }), code: 'ENOENT', errno: 2, syscall: 'chdir' },
    { what: 'a cwd that is a file', file: () => '/bin/true', options: () => ({ cwd: join(dir, 'script') }), code: 'ENOTDIR', errno: 20, syscall: 'chdir' },
  ];

  for (const c of cases) {
    test(`${c.what}: LaunchError ${c.code} at ${c.syscall}, no zombie, no fd left`, ({ assert }) => {
      const before = leftovers();
      const file = c.file();
      const e = failure(file, c.options?.());
      assert.instanceOf(e, Error);
      assert.equal(e.name, 'LaunchError');
      assert.equal(e.code, c.code);
      assert.equal(e.errno, c.errno);
      assert.equal(e.syscall, c.syscall);
      assert.equal(e.path, file);
      assert.include(e.message, c.code);
      const after = leftovers();
      assert.deepEqual(after.zombies, []);
      assert.deepEqual(newFds(before, after), [], 'no fd left open in the parent');
    });
  }

  test('PATH lookup goes on past EACCES and reports it when nothing else is found', ({ assert }) => {
    const other = mkdtempSync(join(tmpdir(), 'fdaudit-launch-path-'));
    try {
      writeFileSync(join(other, 'tool'), '#!/bin/sh\nexit 5\n', { mode: 0o755 });
      writeFileSync(join(dir, 'tool'), '#!/bin/sh\nexit 6\n', { mode: 0o644 });
      // dir/tool is not executable: skipped, other/tool runs.
      assert.equal(launchSync('tool', [], { env: { PATH: `${dir}:${other}` } }).code, 5);
      // Only the non-executable one: EACCES, not ENOENT.
      const e = failure('tool', { env: { PATH: `${dir}:/nonexistent` } });
      assert.equal(e.code, 'EACCES');
      // Nothing at all: ENOENT.
      assert.equal(failure('tool', { env: { PATH: '/nonexistent' } }).code, 'ENOENT');
    } finally {
      rmSync(other, { recursive: true, force: true });
      rmSync(join(dir, 'tool'), { force: true });
    }
  });

  test('a script with #! runs (the control for ENOEXEC)', ({ assert }) => {
    assert.equal(launchSync(join(dir, 'script'), []).code, 4);
    chmodSync(join(dir, 'noexec'), 0o755);
    assert.equal(launchSync(join(dir, 'noexec'), []).code, 0);
    chmodSync(join(dir, 'noexec'), 0o644);
  });

  test('1,000 launches: parent fd count unchanged, no zombies', ({ assert }) => {
    const before = leftovers();
    let ok = 0;
    for (let i = 0; i < 1000; i++) if (launchSync('/bin/true', []).code === 0) ok++;
    assert.equal(ok, 1000);
    const after = leftovers();
    assert.deepEqual(newFds(before, after), [], 'no fd left open in the parent');
    assert.isAtMost(after.fds.length, before.fds.length, 'parent fd count did not grow');
    assert.deepEqual(after.zombies, []);
  }).timeout(120_000);
});

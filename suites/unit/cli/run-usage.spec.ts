/**
 * `fdaudit run` usage errors, end to end: exit 2, one short line on stderr that names the bad value and
 * lists the valid ones, nothing run and no report written.
 */
import { test } from '@japa/runner';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers.ts';

interface UsageCase {
  title: string;
  args: (dir: string) => string[];
  message: RegExp;
}

const cases: UsageCase[] = [
  {
    title: 'unknown launcher',
    args: () => ['--launcher', 'no-such-launcher'],
    message: /^fdaudit: unknown launcher 'no-such-launcher'; valid: node:spawn, .*\bnative\b.*\bext:sh\b/,
  },
  {
    title: 'unknown bait kind',
    args: () => ['--bait', 'pipe,pipes'],
    message: /^fdaudit: unknown bait kind 'pipes'; valid: file, dir, pipe, socketpair, .*, cloexec, passed$/,
  },
  {
    title: 'unknown kernel personality',
    args: () => ['--kernel', 'linux-4.4'],
    message: /^fdaudit: unknown kernel personality 'linux-4.4'; valid: all, host, linux-5.10, linux-5.8, linux-5.2, container-eperm, no-proc, linux-5.8\+no-proc, huge-nofile, container-eperm\+huge-nofile$/,
  },
  {
    title: 'unknown reporter',
    args: () => ['--reporter', 'table,xml'],
    message: /^fdaudit: unknown reporter 'xml'; valid: spec, dot, table, json, junit, summary, github$/,
  },
  {
    title: 'a template without {probe}',
    args: () => ['--exec', 'mine=python3 launcher.py'],
    message: /^fdaudit: --exec 'mine=python3 launcher.py': the template has no \{probe\}/,
  },
  {
    title: 'an unreadable config',
    args: (dir) => ['--config', join(dir, 'missing.config.mjs')],
    message: /^fdaudit: config .*missing\.config\.mjs: cannot be read \(ENOENT\)$/,
  },
  {
    title: 'an unwritable --out (below a regular file)',
    args: (dir) => {
      writeFileSync(join(dir, 'file'), '');
      return ['--out', join(dir, 'file', 'reports')];
    },
    message: /^fdaudit: --out .*file\/reports: cannot write reports there \(ENOTDIR\)$/,
  },
  {
    title: '--expect for a launcher the run does not have',
    args: () => ['--expect', 'nobody=leak'],
    message: /^fdaudit: --expect 'nobody=leak': 'ext:nobody' is not a user launcher of this run; user launchers: none/,
  },
  {
    title: '--expect with an unknown verdict',
    args: () => ['--exec', 'mine=env {probe}', '--expect', 'mine=maybe'],
    message: /^fdaudit: --expect 'mine=maybe': unknown expectation 'maybe'; valid: sealed, leak, error$/,
  },
  {
    title: 'a --grep that selects no test',
    args: () => ['--grep', 'no test has this in its title', '--reporter', 'json'],
    message: /^fdaudit: no test found in the shipped suite matching --grep 'no test has this in its title'$/,
  },
  {
    title: 'a spec file that does not exist',
    args: (dir) => [join(dir, 'nope.spec.ts')],
    message: /^fdaudit: spec file '.*nope\.spec\.ts' does not exist$/,
  },
];

test.group('fdaudit run: usage errors exit 2', () => {
  for (const c of cases) {
    test(c.title, async ({ assert, cleanup }) => {
      const { dir, cleanup: remove } = tempDir();
      cleanup(remove);
      const out = join(dir, 'reports');
      const args = c.args(dir);
      const r = await runCli(['run', ...args, ...(args.includes('--out') ? [] : ['--out', out])]);
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.lengthOf(lines, 1, r.stderr);
      assert.match(lines[0] ?? '', c.message);
      assert.equal(r.stdout, '', 'nothing ran');
      if (existsSync(out)) assert.deepEqual(readdirSync(out), [], 'no report written');
    });
  }

  test('control: the same options with valid values get past the checks (--help lists them)', async ({ assert }) => {
    const r = await runCli(['run', '--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const opt of ['--launcher', '--kernel', '--bait', '--exec', '--expect', '--reporter', '--out', '--grep', '--config']) {
      assert.include(r.stdout, opt);
    }
    assert.match(r.stdout, /Exit status: 0 every assertion holds, 1 an assertion failed, 2 usage error/);
  });
});

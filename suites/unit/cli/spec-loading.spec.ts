/**
 * User specs load in any project: .spec.ts, .spec.mts, .spec.js and .spec.mjs written with import/export
 * in a package whose package.json says "type": "commonjs" (what `npm init -y` makes), and a spec that
 * cannot load gets one line naming the file and the fix, not a loader stack. (The installed package
 * under every Node line: suites/unit/cli/package.spec.ts.)
 */
import { test } from '@japa/runner';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReport } from '../../../src/audit/types.ts';
import { loadFailure } from '../../../src/load/user-modules.ts';
import { RUNNER, runCli, tempDir } from './helpers.ts';

const body = (name: string): string => `import { test } from ${JSON.stringify(RUNNER)};
test.group('${name}', () => {
  test('${name}: native seals a pipe', async ({ audit, assert }) => {
    assert.sealed(await audit('native', { baits: ['pipe'] }));
  });
});
`;

test.group('spec files in a "type": "commonjs" project', (group) => {
  let dir = '';
  let remove = (): void => {};
  group.setup(() => {
    ({ dir, cleanup: remove } = tempDir('fdaudit-specload-'));
    writeFileSync(join(dir, 'package.json'), '{ "name": "cjs-project", "version": "1.0.0", "type": "commonjs" }\n');
    return () => remove();
  });

  test('.spec.ts, .spec.mts, .spec.js and .spec.mjs written as ES modules all load and run', async ({ assert }) => {
    const names = ['a.spec.ts', 'b.spec.mts', 'c.spec.js', 'd.spec.mjs'];
    for (const n of names) writeFileSync(join(dir, n), body(n));
    const r = await runCli(['run', ...names, '--out', join(dir, 'r'), '--reporter', 'json', '--bait', 'pipe'], { cwd: dir });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(readFileSync(join(dir, 'r', 'audit.json'), 'utf8')) as AuditReport;
    assert.deepEqual(report.tests, { passed: names.length, failed: 0, skipped: 0 });
  }).timeout(120_000);

  test('a spec that cannot load: one line naming the file, what is wrong and the fix; no stack; exit 1', async ({ assert }) => {
    writeFileSync(join(dir, 'syntax.spec.ts'), `import { test } from ${JSON.stringify(RUNNER)};\ntest('x', () => { const a: = 1; });\n`);
    writeFileSync(join(dir, 'missing.spec.ts'), `import { test } from ${JSON.stringify(RUNNER)};\nimport pad from 'fdaudit-no-such-package';\ntest('y', () => { pad(); });\n`);
    const r = await runCli(['run', 'syntax.spec.ts', 'missing.spec.ts', '--out', join(dir, 'bad'), '--reporter', 'json'], { cwd: dir });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /fdaudit: cannot load syntax\.spec\.ts: Unexpected "=" — fix the syntax error at line 2\n/);
    assert.match(r.stderr, /fdaudit: cannot load missing\.spec\.ts: Cannot find package 'fdaudit-no-such-package' .* — install 'fdaudit-no-such-package' in the project/);
    assert.notMatch(`${r.stdout}\n${r.stderr}`, /^\s+at /m, 'no stack trace');
  }).timeout(120_000);
});

test.group('loadFailure: the fix for each way a spec fails to load', () => {
  const path = '/p/my.spec.ts';
  const err = (message: string, props: Record<string, unknown> = {}): Error => Object.assign(new Error(message), props);
  const cases: Array<[string, Error, RegExp]> = [
    ['fdaudit missing', err("Cannot find package 'fdaudit' imported from /p/my.spec.ts", { code: 'ERR_MODULE_NOT_FOUND' }), /install fdaudit in the project/],
    ['a subpath fdaudit does not export', err('Package subpath \'./nope\' is not defined by "exports" in /p/node_modules/fdaudit/package.json', { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }), /import from one of them/],
    ['require(esm) in a cycle', err('Cannot require() ES Module /p/my.spec.ts in a cycle.', { code: 'ERR_REQUIRE_CYCLE_MODULE' }), /write it with import\/export, or rename it to \.mts/],
    ['require in an ES module', err('require is not defined in ES module scope, you can use import instead'), /use import instead of require\(\)/],
    ['import outside a module', Object.assign(new SyntaxError('Cannot use import statement outside a module')), /rename it to \.mts, or set "type": "module"/],
    ['esbuild syntax error', err('Transform failed with 1 error:\n/p/my.spec.ts:7:3: ERROR: Expected ";"', { name: 'TransformError' }), /: Expected ";" — fix the syntax error at line 7$/],
    ['a throw at load time', err('boom', { stack: 'Error: boom\n    at file:///p/my.spec.ts:4:9' }), /boom — it throws while it loads \(line 4\)/],
  ];
  for (const [what, e, expected] of cases) {
    test(what, ({ assert }) => {
      const line = loadFailure(path, e, '/p');
      assert.match(line, /^cannot load my\.spec\.ts: /);
      assert.match(line, expected);
      assert.notInclude(line, '\n');
    });
  }
});

import { test } from '@japa/runner';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, findConfig, loadConfig } from '../../src/launchers/config.ts';

const fixtures = fileURLToPath(new URL('../fixtures/config/', import.meta.url));

test.group('launchers: config file', (group) => {
  let dir = '';
  group.each.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdaudit-config-test-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  test('no config file in the directory: null, and nothing is invented', async ({ assert }) => {
    assert.isNull(findConfig(dir));
    assert.isNull(await loadConfig(undefined, dir));
  });

  test('an .mjs config gives adapters and templates as ext:NAME, and expectations by id', async ({ assert }) => {
    const cfg = await loadConfig(join(fixtures, 'fdaudit.config.mjs'));
    assert.isNotNull(cfg);
    assert.deepEqual(cfg?.launchers.map((l) => [l.id, l.kind]), [['ext:spawn-adapter', 'adapter'], ['ext:env-exec', 'external']]);
    assert.deepEqual(cfg?.expect, { 'ext:env-exec': 'leak' });
  });

  test('a .ts config is loaded through tsx, and its adapter runs in this process', async ({ assert }) => {
    const cfg = await loadConfig(join(fixtures, 'fdaudit.config.ts'));
    const l = cfg?.launchers[0];
    assert.equal(l?.id, 'ext:ts-adapter');
    const out = await l?.run({ probeArgv: ['/x'], reportPath: '/nonexistent', keep: [], timeoutMs: 1000 });
    assert.deepEqual(out, { code: 3, signal: null, closeStrategy: null });
  });

  test('the config in the working directory is found by its documented name', async ({ assert }) => {
    writeFileSync(join(dir, 'fdaudit.config.mjs'), "export default { exec: ['here=env {probe}'] };\n");
    assert.equal(findConfig(dir), join(dir, 'fdaudit.config.mjs'));
    const cfg = await loadConfig(undefined, dir);
    assert.deepEqual(cfg?.launchers.map((l) => l.id), ['ext:here']);
  });

  test('a named config that does not exist, cannot be read, or does not load is a ConfigError naming it', async ({ assert }) => {
    const missing = join(dir, 'nope.mjs');
    await assert.rejects(() => loadConfig(missing), /config .*nope\.mjs: cannot be read \(ENOENT\)/);
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, 'export default {;\n');
    await assert.rejects(() => loadConfig(broken), /broken\.mjs: failed to load/);
    const wrongExt = join(dir, 'c.json');
    writeFileSync(wrongExt, '{}');
    await assert.rejects(() => loadConfig(wrongExt), /unsupported extension '.json'/);
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked.mjs');
      writeFileSync(locked, 'export default {};\n');
      chmodSync(locked, 0o000);
      await assert.rejects(() => loadConfig(locked), /cannot be read \(EACCES\)/);
    }
    try {
      await loadConfig(missing);
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.instanceOf(err, ConfigError);
    }
  });

  test('a config of the wrong shape says which entry is wrong', async ({ assert }) => {
    const cases: Array<[string, RegExp]> = [
      ['export default 3;', /must export an object/],
      ["export default { launchers: {} };", /launchers must be an array/],
      ["export default { launchers: [{ id: 'a' }] };", /launcher 'a' has no launch\(argv, options\) function/],
      ["export default { launchers: [{ launch() {} }] };", /has no string id/],
      ["export default { exec: ['a=env true'] };", /no \{probe\}/],
      ["export default { expect: { a: 1 } };", /expect\.a must be a string/],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      const p = join(dir, `c${i}.mjs`);
      writeFileSync(p, `${text}\n`);
      await assert.rejects(() => loadConfig(p), re);
    }
  });
});

import { test } from '@japa/runner';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, findConfig, loadConfig } from '../../../src/launchers/config.ts';
import { packageRoot } from '../../../src/native/paths.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/config/', import.meta.url));
const COMPILED_CONFIG = pathToFileURL(join(packageRoot, 'dist', 'launchers', 'config.js')).href;
const NOBODY = 65534;

/** Runs an ES module snippet with node as uid/gid 65534; its trimmed stdout, or the failure. */
function asNobody(code: string): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', cwd: '/' });
  return r.status === 0 ? r.stdout.trim() : `status ${r.status}: ${r.stderr.trim()}`;
}

/** As root: whether uid 65534 can run node and import the compiled config loader (a readable checkout). */
function nobodyCannotRun(): boolean {
  if (process.getuid?.() !== 0) return false;
  return asNobody(`await import(${JSON.stringify(COMPILED_CONFIG)}); console.log('ok')`) !== 'ok';
}

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

  test('a .ts config in a package without "type": "module" (compiled to CommonJS) gives the same launchers', async ({ assert }) => {
    writeFileSync(join(dir, 'package.json'), '{ "name": "cjs-project" }\n');
    writeFileSync(
      join(dir, 'fdaudit.config.ts'),
      "const adapter = { id: 'cjs-adapter', launch: async (argv: string[]) => ({ code: argv.length, signal: null }) };\n" +
        "export default { launchers: [adapter], exec: ['cjs-exec=env {probe}'], expect: { 'cjs-exec': 'leak' } };\n",
    );
    const cfg = await loadConfig(undefined, dir);
    assert.deepEqual(cfg?.launchers.map((l) => [l.id, l.kind]), [['ext:cjs-adapter', 'adapter'], ['ext:cjs-exec', 'external']]);
    assert.deepEqual(cfg?.expect, { 'ext:cjs-exec': 'leak' });
    const out = await cfg?.launchers[0]?.run({ probeArgv: ['/x', 'y'], reportPath: '/nonexistent', keep: [], timeoutMs: 1000 });
    assert.deepEqual(out, { code: 2, signal: null, closeStrategy: null });
    // Named exports instead of a default one, in the same CommonJS package.
    const named = join(dir, 'named.ts');
    writeFileSync(named, "export const exec = ['named=env {probe}'];\n");
    assert.deepEqual((await loadConfig(named))?.launchers.map((l) => l.id), ['ext:named']);
  });

  test('a config that exports none of launchers, exec, expect, trace is refused, naming what it found', async ({ assert }) => {
    const typo = join(dir, 'typo.mjs');
    writeFileSync(typo, "export default { launcher: [] };\n");
    await assert.rejects(() => loadConfig(typo), /typo\.mjs: exports none of launchers, exec, expect, trace \(found: launcher\)/);
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export default {};\n');
    await assert.rejects(() => loadConfig(empty), /empty\.mjs: exports none of launchers, exec, expect, trace \(the export is empty\)/);
    // Control: one known key is enough.
    const ok = join(dir, 'ok.mjs');
    writeFileSync(ok, 'export default { expect: {} };\n');
    assert.deepEqual((await loadConfig(ok))?.launchers, []);
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
    try {
      await loadConfig(missing);
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.instanceOf(err, ConfigError);
    }
  });

  test('a config file without read permission is a ConfigError saying EACCES', async ({ assert }) => {
    const locked = join(dir, 'locked.mjs');
    writeFileSync(locked, "export default { exec: ['mine=env {probe}'] };\n");
    chmodSync(locked, 0o000);
    if (process.getuid?.() !== 0) {
      await assert.rejects(() => loadConfig(locked), /locked\.mjs: cannot be read \(EACCES\)/);
      return;
    }
    // Root reads a mode-000 file: the same load runs as an unprivileged user instead.
    chmodSync(dir, 0o711);
    const r = asNobody(`import(${JSON.stringify(COMPILED_CONFIG)}).then((m) => m.loadConfig(${JSON.stringify(locked)}))` +
      `.then(() => console.log('loaded'), (e) => console.log(e.name + ': ' + e.message))`);
    assert.match(r, /^ConfigError: .*locked\.mjs: cannot be read \(EACCES\)/);
    // Control: the same user loads the file once it is readable.
    chmodSync(locked, 0o644);
    assert.equal(asNobody(`import(${JSON.stringify(COMPILED_CONFIG)}).then((m) => m.loadConfig(${JSON.stringify(locked)}))` +
      `.then(() => console.log('loaded'), (e) => console.log(e.name + ': ' + e.message))`), 'loaded');
  }).skip(() => nobodyCannotRun(), 'runs as root, and no unprivileged user can run node on the compiled package here (needs uid 65534 and a readable checkout)');

  test('a config of the wrong shape says which entry is wrong', async ({ assert }) => {
    const cases: Array<[string, RegExp]> = [
      ['export default 3;', /must export an object/],
      ["export default { launchers: {} };", /launchers must be an array/],
      ["export default { launchers: [{ id: 'a' }] };", /launcher 'a' has no launch\(argv, options\) function/],
      ["export default { launchers: [{ launch() {} }] };", /has no string id/],
      ["export default { exec: ['a=env true'] };", /no \{probe\}/],
      ["export default { expect: { a: 1 } };", /expect\.a must be a string/],
      ["export default { trace: ['fd=3'] };", /trace must be an object \{ allow\?: \['fd=3', …\] \}/],
      ["export default { trace: { allow: 'fd=3' } };", /trace\.allow must be an array of rule strings/],
      ["export default { trace: { allow: [3] } };", /trace\.allow must be an array of rule strings/],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      const p = join(dir, `c${i}.mjs`);
      writeFileSync(p, `${text}\n`);
      await assert.rejects(() => loadConfig(p), re);
    }
    // Control: trace.allow as documented is read as written (the rules are checked by fdaudit trace).
    const ok = join(dir, 'trace-ok.mjs');
    writeFileSync(ok, "export default { trace: { allow: ['program=make,type=pipe'] } };\n");
    assert.deepEqual((await loadConfig(ok))?.traceAllow, ['program=make,type=pipe']);
  });
});

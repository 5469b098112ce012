#!/usr/bin/env node
/**
 * `npm run build:test`: the native test parts (C test drivers, sanitizer builds, helpers only the
 * project's specs launch) next to the user parts in build/out. cmake-js compile keeps an existing
 * configuration, so FDA_TESTS is switched on by configuring once; later builds are incremental.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cmakeJs = createRequire(join(root, 'package.json')).resolve('cmake-js/bin/cmake-js');

function configured() {
  try {
    return /^FDA_TESTS:BOOL=ON$/m.test(readFileSync(join(root, 'build', 'CMakeCache.txt'), 'utf8'));
  } catch {
    return false;
  }
}

function cmakeJsRun(args) {
  const r = spawnSync(process.execPath, [cmakeJs, ...args, '--out', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!configured()) cmakeJsRun(['configure', '--CDFDA_TESTS=ON']);
cmakeJsRun(['build']);

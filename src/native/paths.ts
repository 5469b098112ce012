/**
 * Where the native parts are: build/out (a compile from source: this repository, or an install whose
 * prebuilt parts did not work) first, then prebuilds/<platform>-<arch> (what `npm pack` ships, used as
 * it is when the install step found it works, or when install scripts did not run at all).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  // Works from src/native (tsx) and dist/native (compiled): walk up to package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'CMakeLists.txt'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('fdaudit: cannot find the package root (package.json next to CMakeLists.txt)');
}

export const packageRoot: string = findRoot();
/** cmake-js --out build: every part compiled here (test parts too after `npm run build:test`). */
export const nativeOutDir: string = resolve(packageRoot, 'build', 'out');
/** The prebuilt user parts for this platform (scripts/native-parts.mjs names the folder the same way). */
export const prebuiltOutDir: string = resolve(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`);
/** The folders searched, in order. */
export const nativeDirs: readonly string[] = [nativeOutDir, prebuiltOutDir];

/** How to get the native parts back, for error messages. */
export const HOW_TO_BUILD =
  'in an installed package run `npm rebuild fdaudit` (it needs cmake, a C and C++ compiler and make where no prebuilt binary works); ' +
  'in a checkout `npm run build:native` (user parts) or `npm run build:test` (test drivers as well)';

/** Absolute path of a native part, with a clear error when it is nowhere. */
export function nativePath(name: string): string {
  for (const dir of nativeDirs) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`fdaudit: native part ${name} is missing (looked in ${nativeDirs.join(' and ')}); ${HOW_TO_BUILD}`);
}

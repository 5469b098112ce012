/** Where the native build (cmake-js, CMakeLists.txt) puts its outputs. */
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
export const nativeOutDir: string = resolve(packageRoot, 'build', 'out');

/** Absolute path of a native build output, with a clear error when the build is missing. */
export function nativePath(name: string): string {
  const p = join(nativeOutDir, name);
  if (!existsSync(p)) {
    throw new Error(`fdaudit: native build output ${name} is missing at ${p}; run \`npm install\` (or \`npm run build:native\`)`);
  }
  return p;
}

/**
 * Where the other JavaScript runtimes live: the `bun` and `deno` npm packages ship their binaries in
 * per-platform packages, which work without the packages' postinstall step. Looked up in the
 * node_modules seen from the working directory, then from fdaudit's own install, then on PATH.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, statSync, accessSync, constants as fsc } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../native/paths.ts';
import { findProgram } from '../process.ts';

export type RuntimeName = 'bun' | 'deno';

export interface RuntimeFound {
  name: RuntimeName;
  path: string;
  /** How it was found, for messages: 'node_modules (…)' or 'PATH'. */
  source: string;
  version: string;
}

/**
 * How to make a missing runtime available; the reason of a `skipped` result ends with it. One short
 * line: it is what a user without the runtime sees once per launcher. (The packages' postinstall step
 * is not needed: the binary is found in the platform package, @oven/bun-* or @deno/*.)
 */
export const INSTALL_HINT: Readonly<Record<RuntimeName, string>> = {
  bun: 'add it with `npm install --save-dev bun` or put bun on PATH',
  deno: 'add it with `npm install --save-dev deno` or put deno on PATH',
};

/** [package, path of the binary inside it] candidates for this platform, most specific first. */
function packageCandidates(name: RuntimeName): Array<[string, string]> {
  if (platform() !== 'linux') return [];
  const a = arch() === 'arm64' ? 'arm64' : arch() === 'x64' ? 'x64' : null;
  if (a === null) return [];
  if (name === 'bun') {
    const bunArch = a === 'arm64' ? 'aarch64' : 'x64';
    const variants = [`bun-linux-${bunArch}`, `bun-linux-${bunArch}-baseline`, `bun-linux-${bunArch}-musl`, `bun-linux-${bunArch}-musl-baseline`];
    // The `bun` package's own bin/bun.exe is the binary only after its postinstall ran; before, a shell stub.
    return [...variants.map((v): [string, string] => [`@oven/${v}`, 'bin/bun']), ['bun', 'bin/bun.exe']];
  }
  // deno's postinstall links the binary into the package itself; without it the platform package has it.
  return [['deno', 'deno'], [`@deno/linux-${a}-glibc`, 'deno'], [`@deno/linux-${a}-musl`, 'deno']];
}

/** True for an executable regular file that starts like an ELF binary (not a shell stub). */
function isElfExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsc.X_OK);
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4);
      return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

function fromNodeModules(name: RuntimeName, bases: readonly string[]): { path: string; source: string } | null {
  for (const base of bases) {
    const req = createRequire(join(base, 'noop.js'));
    for (const [pkg, bin] of packageCandidates(name)) {
      let dir: string;
      try {
        dir = dirname(req.resolve(`${pkg}/package.json`));
      } catch {
        continue;
      }
      const path = join(dir, bin);
      if (isElfExecutable(path)) return { path, source: `node_modules (${pkg})` };
    }
  }
  return null;
}

/** `--version` of a runtime binary, or why it does not run here. */
function versionOf(path: string): { version: string } | { error: string } {
  const r = spawnSync(path, ['--version'], {
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  if (r.error) return { error: r.error.message };
  if (r.status !== 0) return { error: `\`${path} --version\` exited with ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n')[0] ?? ''}` };
  const first = (r.stdout ?? '').trim().split('\n')[0] ?? '';
  return { version: first };
}

const cache = new Map<string, RuntimeFound | string>();

export interface LocateOptions {
  /** Directory whose node_modules (and its parents') are searched first. Default: the working directory. */
  cwd?: string;
  /** Environment whose PATH is searched last. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Directories searched for node_modules, in order. Default: cwd, then fdaudit's own package root. */
  bases?: readonly string[];
}

/**
 * The runtime binary (checked to run with `--version`), or a string saying why it is unavailable and
 * how to add it. Cached per runtime, search directories and PATH.
 */
export function locateRuntime(name: RuntimeName, options: LocateOptions = {}): RuntimeFound | string {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const bases = [...new Set(options.bases ?? [cwd, packageRoot])];
  const key = `${name}\u0000${bases.join('\u0000')}\u0000${env.PATH ?? ''}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let found: { path: string; source: string } | null = fromNodeModules(name, bases);
  if (found === null) {
    const onPath = findProgram(name, env);
    if (onPath !== null) found = { path: onPath, source: 'PATH' };
  }
  let answer: RuntimeFound | string;
  if (found === null) {
    answer = `${name} not found in node_modules or on PATH; ${INSTALL_HINT[name]}`;
  } else {
    const v = versionOf(found.path);
    answer = 'error' in v
      ? `${name} at ${found.path} (from ${found.source}) does not run here: ${v.error}; ${INSTALL_HINT[name]}`
      : { name, path: found.path, source: found.source, version: v.version };
  }
  cache.set(key, answer);
  return answer;
}

/** Forgets what locateRuntime found (tests that change PATH or the working directory). */
export function clearRuntimeCache(): void {
  cache.clear();
}

/**
 * The native parts users run (the addon and the executables), as CMake lists them in parts.json, and
 * whether a folder of them works on this machine: the addon is loaded by a child Node, each executable
 * is run with the arguments its fragment declared. Shared by the install step and npm pack's prebuild
 * step; plain JavaScript, because it runs before dist/ exists (the repository's own npm install).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where npm pack puts the prebuilt parts for a platform; src/native/paths.ts looks there too. */
export function prebuiltDir(root, platform = process.platform, arch = process.arch) {
  return join(root, 'prebuilds', `${platform}-${arch}`);
}

/** Where a compile from source puts them (cmake-js --out build). */
export function buildDir(root) {
  return join(root, 'build', 'out');
}

/**
 * @typedef {{ file: string, kind: 'addon' | 'executable', check: string[] }} Part
 * @typedef {{ schema: string, napi: number, parts: Part[] }} Manifest
 */

/** The manifest in `dir`, or a string saying why there is none. @returns {Manifest | string} */
export function readParts(dir) {
  const path = join(dir, 'parts.json');
  if (!existsSync(path)) return `no ${path}`;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8'));
    if (m?.schema !== 'fdaudit/parts@1' || !Array.isArray(m.parts) || m.parts.length === 0) return `${path} is not an fdaudit/parts@1 list`;
    return m;
  } catch (err) {
    return `${path} does not parse: ${err.message}`;
  }
}

function firstLine(text) {
  return (text ?? '').toString().trim().split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

/** null when `part` in `dir` works here, else why not (one line). @param {Part} part */
export function checkPart(dir, part, nodePath = process.execPath) {
  const path = join(dir, part.file);
  if (!existsSync(path)) return `${part.file} is missing`;
  if (part.kind === 'addon') {
    // A child, so that a library that does not load (wrong libc, missing symbol version) cannot take the
    // checking process down, and a loaded addon is not kept in it.
    const probe = `const m = require(${JSON.stringify(path)}); if (!m || Object.keys(m).length === 0) { console.error('exports nothing'); process.exit(3); }`;
    const r = spawnSync(nodePath, ['-e', probe], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.error) return `${part.file}: ${r.error.message}`;
    if (r.status !== 0) {
      const why = (r.stderr ?? '').split('\n').find((l) => /Error|error:|cannot|not found/.test(l))?.trim() || firstLine(r.stderr);
      return `${part.file} does not load in Node ${process.version}: ${why || `exit ${r.status ?? r.signal}`}`;
    }
    return null;
  }
  const args = part.check.map((a) => a.replaceAll('{dir}', dir));
  const r = spawnSync(path, args, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error) return `${part.file} does not run here: ${r.error.code ?? ''} ${r.error.message}`.trim();
  if (r.status !== 0) return `\`${part.file} ${args.join(' ')}\` ${r.signal ? `was killed by ${r.signal}` : `exited ${r.status}`}${firstLine(r.stderr) ? `: ${firstLine(r.stderr)}` : ''}`;
  return null;
}

/** Every part of `dir` checked: the problems found (empty when all of them work here). */
export function checkParts(dir, nodePath = process.execPath) {
  const m = readParts(dir);
  if (typeof m === 'string') return { parts: [], problems: [m] };
  const problems = [];
  for (const part of m.parts) {
    const why = checkPart(dir, part, nodePath);
    if (why) problems.push(why);
  }
  return { parts: m.parts.map((p) => p.file), problems };
}

/**
 * The config file: `fdaudit.config.ts`, `.mjs` or `.js` in the working directory (or `--config PATH`),
 * whose default export (or the module itself) is
 *
 *   { launchers?: [{ id, description?, canPassFds?, launch(argv, { keep, timeoutMs, signal }) }],
 *     exec?: ['NAME=TEMPLATE', …],
 *     expect?: { NAME: 'sealed' | 'leak' | 'error' },    (what `fdaudit run` asserts; default sealed)
 *     trace?: { allow?: ['fd=3', 'program=make', …] } }  (what `fdaudit trace` allows beyond 0, 1, 2)
 *
 * Launchers from both lists become `ext:NAME`. A .ts config is loaded through tsx.
 */
import { accessSync, constants as fsc, existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadFailure, prepareUserModules } from '../load/user-modules.ts';
import { adapterLauncher, execLauncher, parseExecSpec, type AdapterDefinition } from './user.ts';
import type { Launcher } from './types.ts';

export const CONFIG_FILE_NAMES = ['fdaudit.config.ts', 'fdaudit.config.mjs', 'fdaudit.config.js'] as const;

/** The config file cannot be read or does not have the documented shape. */
export class ConfigError extends Error {
  constructor(readonly path: string, message: string) {
    super(`config ${path}: ${message}`);
    this.name = 'ConfigError';
  }
}

export interface FdauditConfig {
  launchers?: AdapterDefinition[];
  exec?: string[];
  expect?: Record<string, string>;
  trace?: { allow?: string[] };
}

export interface LoadedConfig {
  path: string;
  launchers: Launcher[];
  /** Expectations by launcher id (names normalised to ext:NAME). */
  expect: Record<string, string>;
  /** `trace.allow` rules as written (checked by the trace policy). */
  traceAllow: string[];
}

/** The config file of `cwd`, or null when there is none. */
export function findConfig(cwd = process.cwd()): string | null {
  for (const name of CONFIG_FILE_NAMES) {
    const p = resolve(cwd, name);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * Imports the config file: TypeScript through tsx, and written with import/export it is an ES module
 * even in a package whose package.json says "type": "commonjs" (src/load).
 */
async function importModule(path: string): Promise<unknown> {
  try {
    await prepareUserModules([path]);
  } catch (err) {
    throw new ConfigError(path, (err as Error).message);
  }
  return import(pathToFileURL(path).href);
}

/** The keys a config object may have; one at least must be there. */
const CONFIG_KEYS = ['launchers', 'exec', 'expect', 'trace'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * The config object of a loaded module: its default export, or the module itself. A .ts (or .js)
 * config in a package without "type": "module" is compiled to CommonJS, and importing that gives
 * { default: module.exports }, with the config's own default export one level further down.
 */
function configObject(mod: unknown): unknown {
  const raw = isObject(mod) && 'default' in mod ? mod.default : mod;
  if (isObject(raw) && 'default' in raw && !CONFIG_KEYS.some((k) => k in raw)) return raw.default;
  return raw;
}

/** Loads a config file (explicit path, or the one found in cwd). Returns null when none exists and none was named. */
export async function loadConfig(path?: string, cwd = process.cwd()): Promise<LoadedConfig | null> {
  const file = path === undefined ? findConfig(cwd) : resolve(cwd, path);
  if (file === null) return null;
  try {
    accessSync(file, fsc.R_OK);
  } catch (err) {
    throw new ConfigError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const ext = extname(file);
  if (!['.ts', '.mts', '.js', '.mjs'].includes(ext)) throw new ConfigError(file, `unsupported extension '${ext}' (use .ts, .mjs or .js)`);
  let mod: unknown;
  try {
    mod = await importModule(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(file, `failed to load: ${loadFailure(file, err, cwd).replace(/^cannot load [^:]*: /, '')}`);
  }
  const raw = configObject(mod) as FdauditConfig;
  if (typeof raw !== 'object' || raw === null) throw new ConfigError(file, 'must export an object (default export)');
  if (!CONFIG_KEYS.some((k) => k in raw)) {
    const found = Object.keys(raw);
    throw new ConfigError(
      file,
      `exports none of ${CONFIG_KEYS.join(', ')} (${found.length ? `found: ${found.join(', ')}` : 'the export is empty'}); ` +
        'expected export default { launchers?, exec?, expect?, trace? }',
    );
  }
  const launchers: Launcher[] = [];
  try {
    if (raw.launchers !== undefined) {
      if (!Array.isArray(raw.launchers)) throw new TypeError('launchers must be an array');
      for (const def of raw.launchers) launchers.push(adapterLauncher(def, file));
    }
    if (raw.exec !== undefined) {
      if (!Array.isArray(raw.exec)) throw new TypeError('exec must be an array of NAME=TEMPLATE strings');
      for (const spec of raw.exec) {
        if (typeof spec !== 'string') throw new TypeError('exec entries must be NAME=TEMPLATE strings');
        launchers.push(execLauncher(parseExecSpec(spec)));
      }
    }
  } catch (err) {
    throw new ConfigError(file, (err as Error).message);
  }
  const expect: Record<string, string> = {};
  if (raw.expect !== undefined) {
    if (typeof raw.expect !== 'object' || raw.expect === null) throw new ConfigError(file, 'expect must be an object { NAME: expectation }');
    for (const [name, value] of Object.entries(raw.expect)) {
      if (typeof value !== 'string') throw new ConfigError(file, `expect.${name} must be a string`);
      const id = name.includes(':') ? name : `ext:${name}`;
      expect[id] = value;
    }
  }
  const traceAllow: string[] = [];
  if (raw.trace !== undefined) {
    if (typeof raw.trace !== 'object' || raw.trace === null || Array.isArray(raw.trace)) {
      throw new ConfigError(file, "trace must be an object { allow?: ['fd=3', …] }");
    }
    const allow = (raw.trace as { allow?: unknown }).allow;
    if (allow !== undefined) {
      if (!Array.isArray(allow) || allow.some((a) => typeof a !== 'string')) {
        throw new ConfigError(file, "trace.allow must be an array of rule strings such as 'fd=3' or 'program=make'");
      }
      traceAllow.push(...(allow as string[]));
    }
  }
  return { path: file, launchers, expect, traceAllow };
}

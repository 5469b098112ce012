/**
 * Loading the user's spec and config files in whatever project they sit: TypeScript through tsx, ES
 * module syntax as an ES module even where package.json says "type": "commonjs" (hooks.mjs), and a
 * file that still cannot load gets one line naming it and the fix instead of a loader stack.
 */
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { dirname, extname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The hooks module: next to this one in src/, under the package's src/ when this runs from dist/. */
function hooksUrl(): URL {
  const here = new URL('./hooks.mjs', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return pathToFileURL(join(root, 'src', 'load', 'hooks.mjs'));
}

interface SyncHooksApi {
  registerHooks?: (hooks: { resolve: (...args: never[]) => unknown }) => unknown;
}

const covered = new Set<string>();
let tsxRegistered = false;
let hooksRegistered = false;

/** Whether this module runs from TypeScript sources (under tsx, which is then registered already). */
function runningFromSources(): boolean {
  return import.meta.url.endsWith('.ts');
}

const TYPESCRIPT = /\.(c|m)?tsx?$/;
const GLOB = /[*?[\]{}]/;

/**
 * Prepares this process to import `files` (absolute paths or globs): tsx's hooks when any may be
 * TypeScript, then the entry-format hooks. Idempotent; call it before the first import.
 */
export async function prepareUserModules(files: readonly string[]): Promise<void> {
  if (!tsxRegistered && !runningFromSources() && files.some((f) => TYPESCRIPT.test(f) || GLOB.test(f))) {
    let register: () => unknown;
    try {
      ({ register } = (await import('tsx/esm/api')) as { register: () => unknown });
    } catch {
      throw new Error('TypeScript spec and config files need the tsx package (npm install --save-dev tsx), or write them in JavaScript (.mjs)');
    }
    register();
    tsxRegistered = true;
  }
  // Registered after tsx's, so these run first and tsx compiles the file as the format they give.
  const fresh = files.filter((f) => !GLOB.test(f) && !covered.has(f));
  if (hooksRegistered && fresh.length === 0) return;
  for (const f of fresh) covered.add(f);
  const url = hooksUrl();
  const api = nodeModule as unknown as SyncHooksApi;
  if (typeof api.registerHooks === 'function') {
    const hooks = (await import(url.href)) as { resolveSync: (files: string[]) => (...args: never[]) => unknown };
    api.registerHooks({ resolve: hooks.resolveSync(fresh) });
  } else {
    nodeModule.register(url.href, { data: { files: fresh } });
  }
  hooksRegistered = true;
}

/** `path` relative to `cwd` when it lies below it, else as it is. */
export function shownPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** The line of `path` an error points at, when the error says (esbuild's "FILE:LINE:COL: ERROR: …", a stack frame). */
function lineIn(path: string, text: string): number | null {
  const at = text.indexOf(`${path}:`);
  if (at < 0) return null;
  const m = /^:(\d+)/.exec(text.slice(at + path.length));
  return m ? Number(m[1]) : null;
}

/** What the user can do about a spec or config file that does not load, from the loader's error: one line. */
export function loadFailure(path: string, err: unknown, cwd = process.cwd()): string {
  const e = (err ?? {}) as NodeJS.ErrnoException;
  const shown = shownPath(path, cwd);
  const text = typeof e.message === 'string' ? e.message : String(err);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  let message = lines[0] ?? String(err);
  const mts = extname(path).includes('t') ? '.mts' : '.mjs';
  let fix: string;
  if (e.name === 'TransformError' || /^Transform failed/.test(message)) {
    // esbuild: "Transform failed with 1 error:" then "FILE:LINE:COL: ERROR: what".
    const detail = lines.find((l) => l.includes(': ERROR: ')) ?? '';
    message = detail ? detail.slice(detail.indexOf(': ERROR: ') + 9) : message;
    const line = lineIn(path, detail);
    fix = `fix the syntax error${line ? ` at line ${line}` : ''}`;
  } else if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') {
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1] ?? '';
    fix = missing === 'fdaudit' || missing.includes('/node_modules/fdaudit/')
      ? 'install fdaudit in the project the file belongs to (npm install --save-dev fdaudit) and run fdaudit from there'
      : `install ${missing ? `'${missing}'` : 'what it imports'} in the project the file belongs to, or fix the import path`;
  } else if (e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
    fix = /node_modules\/fdaudit\/package\.json/.test(message)
      ? "fdaudit exports 'fdaudit' (the library) and 'fdaudit/runner' (test, auditMatrix, the fixtures): import from one of them"
      : 'import a path the package exports';
  } else if (/ERR_REQUIRE_(?:ESM|CYCLE_MODULE|ASYNC_MODULE)/.test(e.code ?? '') || /not been linked|require\(\) (?:of )?ES Module|in a cycle/i.test(message)) {
    fix = `write it with import/export, or rename it to ${mts}: fdaudit/runner is an ES module`;
  } else if (/(?:require|module|exports|__dirname|__filename) is not defined/.test(message)) {
    fix = 'it is loaded as an ES module because it uses import/export: use import instead of require(), import.meta.dirname instead of __dirname';
  } else if (/Cannot use import statement outside a module|Unexpected token 'export'/.test(message)) {
    fix = `rename it to ${mts}, or set "type": "module" in package.json`;
  } else if (e.name === 'SyntaxError') {
    const line = lineIn(path, `${text}\n${e.stack ?? ''}`) ?? lineIn(pathToFileURL(path).href, e.stack ?? '');
    fix = `fix the syntax error${line ? ` at line ${line}` : ''}`;
  } else {
    const line = lineIn(path, e.stack ?? '') ?? lineIn(pathToFileURL(path).href, e.stack ?? '');
    fix = `it throws while it loads${line ? ` (line ${line})` : ''}: fix that in the file`;
  }
  return `cannot load ${shown}: ${message} — ${fix}`;
}

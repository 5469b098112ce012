/**
 * Module hooks that let Node import the user's spec and config files as ES modules in any project.
 *
 * A spec or config written with `import`/`export` in a package whose package.json says (or defaults
 * to) "type": "commonjs" — what `npm init -y` makes — would otherwise be compiled to CommonJS (tsx) or
 * refused (plain .js), and its `import … from 'fdaudit/runner'` become a require() of an ES module,
 * which Node 20 refuses in a cycle and Node 22 fails to link. These hooks change only the format of
 * those files: a spec (`*.spec.ts`, `.js`, `.tsx`, `.jsx`), a config (`fdaudit.config.ts`, `.js`) or a
 * file named to them, outside node_modules, that Node would load as CommonJS and that contains ES
 * module syntax. .cts/.cjs files and files without import/export stay CommonJS.
 *
 * Plain JavaScript, loaded both by module.register() (Node 20: hooks run on the loader thread, `resolve`
 * and `initialize` below) and by module.registerHooks() (`resolveSync`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ENTRY = /(?:\.spec\.[jt]sx?|(?:^|\/)fdaudit\.config\.[jt]s)$/;
// An import or export statement at the start of a line, or import.meta: ES module syntax.
const ESM_SYNTAX = /^[ \t]*(?:import[ \t]*(?:[\w$*{]|["'])|export[ \t]*(?:[{*]|default\b|const\b|let\b|var\b|function\b|async\b|class\b|type\b|interface\b|enum\b|declare\b|abstract\b))|\bimport\.meta\b/m;
const COMMENTS = /\/\*[\s\S]*?\*\/|(^|[^:\\])\/\/.*$/gm;

let named = new Set();

/** module.register's data: `{ files }`, absolute paths loaded as entries even when not named like one. */
export function initialize(data) {
  named = new Set(data?.files ?? []);
}

/** 'module' when `url` is a user entry file that Node would load as CommonJS but is written as an ES module. */
export function entryFormat(url, format, files = named) {
  if (typeof url !== 'string' || !url.startsWith('file:')) return null;
  if (format !== 'commonjs' && format !== 'commonjs-typescript') return null;
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  const path = fileURLToPath(u);
  if (path.includes('/node_modules/') || /\.c[jt]sx?$/.test(path)) return null;
  if (!files.has(path) && !ENTRY.test(path)) return null;
  let source;
  try {
    source = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  return ESM_SYNTAX.test(source.replace(COMMENTS, '$1')) ? 'module' : null;
}

export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context);
  const format = entryFormat(r.url, r.format);
  return format ? { ...r, format } : r;
}

/** The same for module.registerHooks(), which runs hooks synchronously on the thread that imports. */
export function resolveSync(files) {
  const set = new Set(files);
  return (specifier, context, nextResolve) => {
    const r = nextResolve(specifier, context);
    const format = entryFormat(r.url, r.format, set);
    return format ? { ...r, format } : r;
  };
}

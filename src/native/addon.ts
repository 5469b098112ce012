/** Loads the native addon (fdaudit.node, see paths.ts) once per thread; each part types its own slice. */
import { createRequire } from 'node:module';
import { HOW_TO_BUILD, nativePath } from './paths.ts';

const require = createRequire(import.meta.url);
let cached: Record<string, unknown> | undefined;

/** The addon's exports object. The parts (launch, fdops, probe) each declare the shape they use. */
export function addon(): Record<string, unknown> {
  if (cached) return cached;
  const path = nativePath('fdaudit.node');
  try {
    // require() of a .node file returns its exports object; its shape is declared by each part's module.
    cached = require(path) as Record<string, unknown>;
  } catch (err) {
    // A prebuilt addon for another C library (musl) or an older glibc: say what to do, not just dlopen's words.
    const why = (err as Error).message.split('\n')[0];
    throw new Error(`fdaudit: the native addon ${path} does not load here (${why}); ${HOW_TO_BUILD}`, { cause: err });
  }
  return cached;
}

/** One part of the addon, typed by the caller. Throws a clear error when the part is missing. */
export function addonPart<T>(name: string): T {
  const part = addon()[name];
  if (part === undefined) throw new Error(`fdaudit: the native addon has no '${name}' part; rebuild with \`npm run build:native\``);
  return part as T;
}

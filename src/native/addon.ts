/** Loads the native addon (build/out/fdaudit.node) once per thread; each part types its own slice. */
import { createRequire } from 'node:module';
import { nativePath } from './paths.ts';

const require = createRequire(import.meta.url);
let cached: Record<string, unknown> | undefined;

/** The addon's exports object. The parts (launch, fdops, probe) each declare the shape they use. */
export function addon(): Record<string, unknown> {
  // require() of a .node file returns its exports object; its shape is declared by each part's module.
  cached ??= require(nativePath('fdaudit.node')) as Record<string, unknown>;
  return cached;
}

/** One part of the addon, typed by the caller. Throws a clear error when the part is missing. */
export function addonPart<T>(name: string): T {
  const part = addon()[name];
  if (part === undefined) throw new Error(`fdaudit: the native addon has no '${name}' part; rebuild with \`npm run build:native\``);
  return part as T;
}

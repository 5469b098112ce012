/**
 * Packages fdaudit audits but does not depend on: loaded with a dynamic import when an adapter runs,
 * so a user who has not installed one gets a `skipped` row saying how to add it, not a crash.
 */

/** Why an optional package cannot be loaded here (with how to add it), or null when it loads. */
export async function optionalPackageMissing(pkg: string): Promise<string | null> {
  try {
    await loadOptional(pkg);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const how = `add it with \`npm install --save-dev ${pkg}\``;
    if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') return `${pkg} is not installed; ${how}`;
    return `${pkg} does not load here (${e.message.split('\n')[0]}); ${how}`;
  }
}

/**
 * The module namespace of `pkg`. The specifier is a variable on purpose: these packages are optional
 * and some ship no types, so callers describe the little they use with their own interface.
 */
export async function loadOptional(pkg: string): Promise<unknown> {
  const specifier: string = pkg;
  return import(specifier);
}

/**
 * The small scripts the other runtimes run (scripts/*.js). They ship as sources: next to this module
 * when it runs from src/, under the package's src/ when it runs compiled from dist/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../native/paths.ts';

export const RUNTIME_SCRIPTS = ['bun-spawn.js', 'bun-spawnSync.js', 'deno-command.js', 'deno-child_process.js'] as const;
export type RuntimeScript = (typeof RUNTIME_SCRIPTS)[number];

function scriptDirs(): string[] {
  return [fileURLToPath(new URL('./scripts/', import.meta.url)), join(packageRoot, 'src', 'launchers', 'runtimes', 'scripts')];
}

/** Absolute path of one of the scripts; an Error naming where it was looked for when it is missing. */
export function runtimeScript(name: RuntimeScript): string {
  const dirs = scriptDirs();
  for (const dir of dirs) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`fdaudit: launcher script ${name} is missing (looked in ${dirs.join(', ')})`);
}

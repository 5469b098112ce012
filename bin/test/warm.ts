/**
 * Fills the TypeScript loader's compile cache before the spec files run: every module named on the
 * command line is loaded and linked — so compiled and cached — but none is evaluated. Each spec
 * file's process then finds its modules compiled: it starts no compiler service of its own, and no
 * cache write is still under way (with an fd open) while a test compares fd tables.
 *
 *   node --import tsx bin/test/warm.ts FILE…
 */
import { realpathSync, readlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { linkWithoutRunning } from '../../src/threads.ts';

function loaderBusy(cache: string): boolean {
  for (const n of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${n}`).startsWith(cache)) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

try {
  await linkWithoutRunning(process.argv.slice(2).map((f) => pathToFileURL(f)));
} catch (err) {
  // A module that does not link is for the spec file that imports it to report, with its own name on it.
  process.stderr.write(`warm-up: ${(err as Error).message}\n`);
}
// The loader writes the cache on a thread of its own: wait until it has no file there open.
const cache = realpathSync(join(tmpdir(), `tsx-${process.geteuid?.() ?? 0}`));
for (let i = 0; i < 500 && loaderBusy(cache); i++) await new Promise((resolve) => setTimeout(resolve, 10));

/**
 * The TypeScript loader keeps its compile cache in $TMPDIR/tsx-UID. Every TMPDIR a run hands out — the
 * run's, each job's, each spec file's — has that name linked to one cache that outlives the run, so
 * nothing is compiled twice and no test finds the cache among its temp files.
 */
import { lstatSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const LINK_NAME = `tsx-${process.geteuid?.() ?? 0}`;

/** Links `dir`/tsx-UID to `cache`; returns the link. */
export function linkLoaderCache(dir: string, cache: string): string {
  const link = join(dir, LINK_NAME);
  symlinkSync(cache, link);
  return link;
}

/** Removes a link made by linkLoaderCache (the runner's own file, not something a test left). */
export function unlinkLoaderCache(link: string, cache: string): void {
  if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink() && readlinkSync(link) === cache) unlinkSync(link);
}

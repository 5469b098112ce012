/**
 * How a run's spec files are split into jobs (processes) and ordered: heavy files alone, light files
 * of the same suite and folder a few in a row, the longest jobs first so that the last to finish are
 * short.
 */
import { dirname } from 'node:path';
import { SOLO } from './discover.ts';
import type { SpecFile } from './protocol.ts';

export interface FileTimes {
  wallMs: number;
  cpuMs: number;
}

export interface Job {
  suite: SpecFile['suite'];
  files: SpecFile[];
  /** Expected wall time, for the order. */
  expectedMs: number;
}

/** A file at least this long (last time) runs alone. */
const HEAVY_MS = 8_000;
/** What a light file is expected to take when no time is recorded. */
const LIGHT_GUESS_MS = 1_500;
/** A job of light files stops growing at this expected time or this many files. */
const BATCH_MS = 20_000;
const BATCH_FILES = 16;

export function planJobs(files: readonly SpecFile[], times: Readonly<Record<string, FileTimes>>): Job[] {
  const jobs: Job[] = [];
  const light = new Map<string, SpecFile[]>();
  for (const f of files) {
    const t = times[f.path]?.wallMs;
    if (SOLO.includes(f.path) || (t !== undefined && t >= HEAVY_MS)) {
      jobs.push({ suite: f.suite, files: [f], expectedMs: t ?? 30_000 });
      continue;
    }
    const key = `${f.suite} ${dirname(f.path)}`;
    light.set(key, [...(light.get(key) ?? []), f]);
  }
  for (const group of light.values()) {
    let job: Job | null = null;
    for (const f of group) {
      const t = times[f.path]?.wallMs ?? LIGHT_GUESS_MS;
      if (!job || job.files.length >= BATCH_FILES || job.expectedMs + t > BATCH_MS) {
        job = { suite: f.suite, files: [], expectedMs: 0 };
        jobs.push(job);
      }
      job.files.push(f);
      job.expectedMs += t;
    }
  }
  return jobs.sort((a, b) => b.expectedMs - a.expectedMs);
}

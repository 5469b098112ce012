/**
 * Subprocess half of the launcher specs (see runFixture in helpers.ts):
 * arranges its own fds and limits as the job says, launches fdaudit-fdlist
 * once per job entry, and writes what each child saw to the output path.
 *
 *   node --import tsx launch.fixture.ts JOB_JSON OUT_PATH
 */
import { fstatSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { launchSync } from '../../../src/launch/index.ts';
import { close, dupTo, getRlimitNofile, pipe, setCloexec, setRlimitNofile } from '../../../src/native/fdops.ts';
import { nativePath } from '../../../src/native/paths.ts';
import type { FixtureJob, FixtureResult, Seen } from './helpers.ts';

const [jobJson, outPath] = process.argv.slice(2);
if (!jobJson || !outPath) throw new Error('usage: launch.fixture.ts JOB_JSON OUT_PATH');
const job = JSON.parse(jobJson) as FixtureJob;

if (job.closeStdinForPipe) {
  close(0);
  const [r, w] = pipe(false);
  if (r !== 0) throw new Error(`expected the pipe's read end at 0, got ${r}`);
  close(w);
}
for (const n of job.openAt ?? []) {
  const [r, w] = pipe(true);
  dupTo(r, n, false);
  close(r);
  close(w);
}
const baits: number[] = [];
if (job.lowBait) baits.push(...pipe(false)); // wherever the lowest free numbers are
for (const n of job.baits ?? []) {
  const [r, w] = pipe(true);
  baits.push(dupTo(r, n, false));
  close(r);
  close(w);
}
for (const n of job.cloexec ?? []) setCloexec(n, true);
if (job.lowerSoftTo !== undefined) setRlimitNofile(job.lowerSoftTo);

const parent: Record<string, string> = {};
for (let fd = 0; fd < 128; fd++) {
  try {
    const st = fstatSync(fd);
    parent[fd] = `${st.dev}:${st.ino}`;
  } catch {
    /* not open */
  }
}
for (const n of baits) {
  const st = fstatSync(n);
  parent[n] = `${st.dev}:${st.ino}`;
}

const lim = getRlimitNofile();
const result: FixtureResult = { parent, baits, soft: lim.soft, hard: lim.hard, launches: [] };
let i = 0;
for (const { options } of job.launches) {
  const out = `${outPath}.${i++}`;
  try {
    const r = launchSync(nativePath('fdaudit-fdlist'), [out], options);
    result.launches.push({ result: r, seen: JSON.parse(readFileSync(out, 'utf8')) as Seen });
  } catch (e) {
    const err = e as Error & { code?: string; syscall?: string };
    result.launches.push({ error: { name: err.name, code: err.code, syscall: err.syscall, message: err.message } });
  } finally {
    rmSync(out, { force: true });
  }
}
writeFileSync(outPath, JSON.stringify(result));

/** This process's children, alive and unreaped, from /proc (as the engine's deadline sees them). */
import { readdirSync } from 'node:fs';
import { readProcStat } from '../../../src/native/procstat.ts';

/** This process's children by state, from /proc. */
export function children(): { live: number[]; zombies: number[] } {
  const out = { live: [] as number[], zombies: [] as number[] };
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readProcStat(Number(name));
    if (!st || st.ppid !== process.pid) continue;
    (st.state === 'Z' ? out.zombies : out.live).push(Number(name));
  }
  return out;
}

/** This process's children, alive and unreaped, from /proc (as the engine's deadline sees them). */
import { allProcesses } from '../../../src/native/procstat.ts';

/** This process's children by state, from /proc. */
export function children(): { live: number[]; zombies: number[] } {
  const out = { live: [] as number[], zombies: [] as number[] };
  for (const p of allProcesses()) if (p.ppid === process.pid) (p.state === 'Z' ? out.zombies : out.live).push(p.pid);
  return out;
}

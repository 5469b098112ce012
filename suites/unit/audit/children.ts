/** This process's children, alive and unreaped, from /proc (as the engine's deadline sees them). */
import { readdirSync, readFileSync } from 'node:fs';

/** This process's children by state, from /proc. */
export function children(): { live: number[]; zombies: number[] } {
  const out = { live: [] as number[], zombies: [] as number[] };
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[1]) !== process.pid) continue;
    (f[0] === 'Z' ? out.zombies : out.live).push(Number(name));
  }
  return out;
}

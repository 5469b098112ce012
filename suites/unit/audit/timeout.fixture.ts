/**
 * The process half of timeout.spec.ts, run under a kernel personality: audits the sealed launcher
 * with a forced close strategy (and then unforced), prints the results and what is left of the
 * launches as JSON.
 *
 *   node --import tsx timeout.fixture.ts TIMEOUT_MS STRATEGY…
 */
import { readdirSync, readFileSync } from 'node:fs';
import { audit } from '../../../src/audit/audit.ts';
import { runNative } from '../../../src/launchers/native.ts';
import type { Launcher } from '../../../src/launchers/types.ts';

type Strategy = 'auto' | 'close_range' | 'poll' | 'loop';

function forced(strategy: Strategy): Launcher {
  const id = `native/${strategy}`;
  return {
    id,
    description: `the sealed launcher with closeStrategy ${strategy}`,
    kind: 'native',
    canPassFds: true,
    unavailable: async () => null,
    run: (ctx) => {
      const [file, ...args] = ctx.probeArgv;
      if (file === undefined) throw new TypeError('probeArgv is empty');
      return runNative({ id, variant: null, file, args }, { ...ctx, closeStrategy: strategy });
    },
  };
}

/** This process's children by state, from /proc (the engine's deadline uses the same view). */
function children(): { live: number[]; zombies: number[] } {
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

const [timeout, ...strategies] = process.argv.slice(2);
const before = children();
const results = await audit({ launchers: (strategies as Strategy[]).map(forced), timeoutMs: Number(timeout), baits: ['pipe', 'high-fd'] });
// The tsx loader's own helper is a child from the start; only what the launches left counts.
const after = children();
const left = { live: after.live.filter((p) => !before.live.includes(p)), zombies: after.zombies };
console.log(JSON.stringify({
  results: results.map((r) => ({ launcher: r.launcher, status: r.status, error: r.error, durationMs: r.durationMs, closeStrategy: r.closeStrategy })),
  left,
}));

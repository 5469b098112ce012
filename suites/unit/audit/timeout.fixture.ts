/**
 * The process half of timeout.spec.ts, run under a kernel personality: audits `fdaudit-sysprobe sweep`
 * (a naive launcher that close()s every fd number up to its soft limit, then execs the probe) and
 * then the sealed launcher, and prints the results and what is left of the launches as JSON.
 *
 *   node --import tsx timeout.fixture.ts TIMEOUT_MS
 */
import { audit } from '../../../src/audit/audit.ts';
import { execLauncher } from '../../../src/launchers/user.ts';
import { nativePath } from '../../../src/native/paths.ts';
import { children } from './children.ts';

const [timeout] = process.argv.slice(2);
const before = children();
// No above-soft-limit bait: it would lower the soft limit the sweep goes up to.
const results = await audit({
  launchers: [execLauncher(`sweep=${nativePath('fdaudit-sysprobe')} sweep {probe}`), 'native'],
  timeoutMs: Number(timeout),
  baits: ['pipe', 'high-fd'],
});
// The tsx loader's own helper is a child from the start; only what the launches left counts.
const after = children();
console.log(JSON.stringify({
  results: results.map((r) => ({ launcher: r.launcher, status: r.status, error: r.error, durationMs: r.durationMs })),
  left: { live: after.live.filter((p) => !before.live.includes(p)), zombies: after.zombies },
}));

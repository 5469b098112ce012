/**
 * A benchmark worker process: holds `--fds N` non-CLOEXEC fds open and answers round requests (server.ts)
 * with one timed launch of `--true PATH` each. The personality scenario starts one per kernel personality
 * under the fdaudit-kernel wrapper, since a personality applies to a whole process.
 *
 *   requests: `native` (sealed, auto strategy), `native:STRATEGY`, `node:spawnSync`
 */
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { launchSync } from '../launch/index.ts';
import { CLOSE_STRATEGIES } from '../launch/types.ts';
import type { CloseStrategy } from '../launch/types.ts';
import { OpenFds } from './fds.ts';

function arg(name: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) {
    process.stderr.write(`bench worker: missing ${name}\n`);
    process.exit(2);
  }
  return v;
}

const file = arg('--true');
const held = new OpenFds(Number(arg('--fds')));

function once(request: string): Record<string, unknown> {
  const t0 = process.hrtime.bigint();
  if (request === 'node:spawnSync') {
    const r = spawnSync(file, [], { stdio: 'inherit' });
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    if (r.error) return { error: r.error.message };
    return r.status === 0 ? { us } : { error: `exit status ${r.status ?? r.signal}` };
  }
  const strategy = request === 'native' ? 'auto' : request.slice('native:'.length);
  if (!request.startsWith('native') || (strategy !== 'auto' && !CLOSE_STRATEGIES.includes(strategy as CloseStrategy))) {
    return { error: `unknown request '${request}'` };
  }
  const r = launchSync(file, [], { closeStrategy: strategy as 'auto' | CloseStrategy });
  const us = Number(process.hrtime.bigint() - t0) / 1000;
  return r.code === 0 ? { us, strategy: r.closeStrategy } : { error: `exit status ${r.code ?? r.signal}` };
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    let answer: Record<string, unknown>;
    try {
      answer = once(line.trim());
    } catch (err) {
      answer = { error: err instanceof Error ? err.message : String(err) };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  })
  .on('close', () => held.close());

/**
 * In-process round trips of the trivial program: the sealed launcher (any close strategy), the fork and
 * posix_spawn variants, and Node's child_process. Each measures from the call that starts the child to the
 * moment the child has been reaped, and fails the round unless the child exited 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { launchSync } from '../launch/index.ts';
import { launchVariantSync } from '../launch/variants.ts';
import type { CloseStrategy, LaunchOptions, LaunchSyncResult } from '../launch/types.ts';
import type { Contender } from './rounds.ts';

const elapsedUs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1000;

function checkExit(launcher: string, r: { code: number | null; signal: string | null }): void {
  if (r.code !== 0) {
    throw new Error(`${launcher}: the launched program ${r.signal ? `was killed by ${r.signal}` : `exited with status ${r.code}`}`);
  }
}

/**
 * The sealed launcher; `strategy` forces a close strategy ('auto' picks the best the kernel allows).
 * `env` passes an environment object instead of the default (process.env): the difference between the
 * two rows is what reading process.env costs each launch.
 */
export function nativeContender(
  file: string,
  strategy: 'auto' | CloseStrategy = 'auto',
  launcher = 'native',
  env?: Record<string, string>,
): Contender {
  let used: string | null = null;
  const params: Contender['params'] = { strategy: strategy };
  if (env) params.env = 'plain object';
  const options: LaunchOptions = env ? { closeStrategy: strategy, env } : { closeStrategy: strategy };
  return {
    launcher,
    params,
    round: () => {
      const t0 = process.hrtime.bigint();
      const r: LaunchSyncResult = launchSync(file, [], options);
      const us = elapsedUs(t0);
      checkExit(launcher, r);
      if (used === null) {
        used = r.closeStrategy;
        params.used = used;
      }
      return us;
    },
  };
}

/** A variant of the native core ('fork', 'posix_spawn') with the same options as the sealed launcher. */
export function variantContender(variant: 'fork' | 'posix_spawn', file: string): Contender {
  return {
    launcher: variant,
    round: () => {
      const t0 = process.hrtime.bigint();
      const r = launchVariantSync(variant, file, [], {});
      const us = elapsedUs(t0);
      checkExit(variant, r);
      return us;
    },
  };
}

export function nodeSpawnSyncContender(file: string, args: readonly string[] = []): Contender {
  return {
    launcher: 'node:spawnSync',
    round: () => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(file, args, { stdio: 'inherit' });
      const us = elapsedUs(t0);
      if (r.error) throw r.error;
      checkExit('node:spawnSync', { code: r.status, signal: r.signal });
      return us;
    },
  };
}

/** Round trip up to libuv's 'exit' event, which follows its waitpid(). */
export function nodeSpawnContender(file: string): Contender {
  return {
    launcher: 'node:spawn',
    round: () =>
      new Promise<number>((resolve, reject) => {
        const t0 = process.hrtime.bigint();
        const child = spawn(file, [], { stdio: 'inherit' });
        child.once('error', reject);
        child.once('exit', (code, signal) => {
          const us = elapsedUs(t0);
          try {
            checkExit('node:spawn', { code, signal });
            resolve(us);
          } catch (err) {
            reject(err);
          }
        });
      }),
  };
}

/** A plain-object copy of this process's environment (what process.env holds right now). */
export function envSnapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}

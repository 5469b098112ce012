/** Worker half of the worker_threads test in launch-async.spec.ts: both entry points from inside a worker. */
import { parentPort } from 'node:worker_threads';
import { launch, launchSync } from '../../src/launch/index.ts';

const sync = launchSync('/bin/sh', ['-c', 'exit 4']);
const h = launch('/bin/sh', ['-c', 'exit 6']);
const status = await h.exited;
parentPort?.postMessage({ sync: sync.code, async: status.code, strategy: sync.closeStrategy, pids: [sync.pid, h.pid] });

/**
 * Worker half of the worker_threads tests in launch-async.spec.ts.
 * workerData 'run': both entry points, report results. 'abandon': start a
 * child that outlives the worker, report its pid, and wait to be terminated.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { launch, launchSync } from '../../../src/launch/index.ts';

if (workerData === 'abandon') {
  const h = launch('/bin/sleep', ['0.5']);
  parentPort?.postMessage({ pid: h.pid });
} else {
  const sync = launchSync('/bin/sh', ['-c', 'exit 4']);
  const h = launch('/bin/sh', ['-c', 'exit 6']);
  const status = await h.exited;
  parentPort?.postMessage({ sync: sync.code, async: status.code, strategy: sync.closeStrategy, pids: [sync.pid, h.pid] });
}

/**
 * Subprocess half of launch-async.spec.ts: launch() in a process of its own
 * (run under kernel personalities, or left to exit with a handle nobody
 * awaits). Prints one JSON line.
 *
 *   node --import tsx async.fixture.ts MODE
 *   MODE: exits     — several launch() exits, printed once all settled
 *         unawaited — start a short child and never await it
 */
import { spawn } from 'node:child_process';
import { binding } from '../../../src/launch/binding.ts';
import { launch } from '../../../src/launch/index.ts';

const mode = process.argv[2];
if (mode === 'exits') {
  const a = launch('/bin/sh', ['-c', 'exit 3']);
  const b = launch('/bin/sh', ['-c', 'kill -9 $$']);
  const c = launch('/bin/sleep', ['0.2']);
  // child_process alongside: libuv must keep reaping its own children.
  const node = new Promise<number | null>((resolve) => spawn('/bin/sh', ['-c', 'exit 9']).on('exit', (code) => resolve(code)));
  const [ea, eb, ec, en] = await Promise.all([a.exited, b.exited, c.exited, node]);
  console.log(JSON.stringify({ pidfd: binding().pidfdAvailable(), a: ea, b: eb, c: ec, node: en }));
} else if (mode === 'unawaited') {
  const h = launch('/bin/true', []);
  console.log(JSON.stringify({ pid: h.pid }));
} else {
  throw new Error(`unknown mode ${mode}`);
}

// Run by Deno: starts the command with Deno's node:child_process.spawn, exits with the child's status.
import { spawn } from 'node:child_process';
import process from 'node:process';

const [cmd, ...args] = process.argv.slice(2);
if (cmd === undefined) {
  console.error('deno-child_process.js: no command given');
  process.exit(2);
}
const signals = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
const child = spawn(cmd, args, { stdio: 'inherit' });
child.once('error', (err) => {
  console.error(`deno-child_process.js: spawn failed: ${err?.message ?? err}`);
  process.exit(127);
});
child.once('exit', (code, signal) => {
  process.exit(signal ? 128 + (signals[signal] ?? 0) : (code ?? 1));
});

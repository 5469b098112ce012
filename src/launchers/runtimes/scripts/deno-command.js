// Run by Deno: starts Deno.args with Deno.Command and its default fd handling, exits with the child's status.
const [cmd, ...args] = Deno.args;
if (cmd === undefined) {
  console.error('deno-command.js: no command given');
  Deno.exit(2);
}
const signals = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
let child;
try {
  child = new Deno.Command(cmd, { args, stdin: 'inherit', stdout: 'inherit', stderr: 'inherit' }).spawn();
} catch (err) {
  console.error(`deno-command.js: Deno.Command failed: ${err?.message ?? err}`);
  Deno.exit(127);
}
const status = await child.status;
if (status.signal) Deno.exit(128 + (signals[status.signal] ?? 0));
Deno.exit(status.code);

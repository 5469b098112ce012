// Run by Bun: starts argv[2..] with Bun.spawn and its default fd handling, exits with the child's status.
// stdio is inherited so the child writes where this script does; nothing else is passed on purpose.
const argv = process.argv.slice(2);
if (argv.length === 0) {
  console.error('bun-spawn.js: no command given');
  process.exit(2);
}
const signals = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
let child;
try {
  child = Bun.spawn(argv, { stdio: ['inherit', 'inherit', 'inherit'] });
} catch (err) {
  console.error(`bun-spawn.js: Bun.spawn failed: ${err?.message ?? err}`);
  process.exit(127);
}
const code = await child.exited;
if (child.signalCode) process.exit(128 + (signals[child.signalCode] ?? 0));
process.exit(code ?? 1);

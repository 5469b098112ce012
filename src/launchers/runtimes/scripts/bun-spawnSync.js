// Run by Bun: starts argv[2..] with Bun.spawnSync and its default fd handling, exits with the child's status.
const argv = process.argv.slice(2);
if (argv.length === 0) {
  console.error('bun-spawnSync.js: no command given');
  process.exit(2);
}
const signals = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
let result;
try {
  result = Bun.spawnSync(argv, { stdio: ['inherit', 'inherit', 'inherit'] });
} catch (err) {
  console.error(`bun-spawnSync.js: Bun.spawnSync failed: ${err?.message ?? err}`);
  process.exit(127);
}
if (result.signalCode) process.exit(128 + (signals[result.signalCode] ?? 0));
process.exit(result.exitCode ?? 1);

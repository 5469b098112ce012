/**
 * `npm test`: the japa suites under suites/ (unit and audit), with the spec
 * reporter set explicitly, ending with the plain line `N passed, N failed`.
 */
import { assert } from '@japa/assert';
import { configure, processCLIArgs, run } from '@japa/runner';
import { spec } from '@japa/runner/reporters';
import type { NamedReporterContract } from '@japa/runner/types';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloexecInheritedFds } from '../src/orchestrate/hygiene.ts';

// Every temp file the tests, the launchers and their children make goes
// under one private directory (os.tmpdir() reads TMPDIR on each call and
// children inherit it). Whatever is still there at the end was left behind:
// that is a failure, not something to clean up quietly.
const tmpRoot = mkdtempSync(join(tmpdir(), 'fdaudit-test-'));
process.env.TMPDIR = tmpRoot;

// Fds this process inherited (a CI agent's pipe, a terminal's socket) are not
// the tests' findings: mark them close-on-exec before anything is launched.
cloexecInheritedFds();

const tally = { passed: 0, failed: 0, skipped: 0 };

const tallyReporter: NamedReporterContract = {
  name: 'tally',
  handler: (_runner, emitter) => {
    emitter.on('test:end', (t) => {
      if (t.isSkipped || t.isTodo) tally.skipped++;
      else if (t.hasError) tally.failed++;
      else tally.passed++;
    });
  },
};

processCLIArgs(process.argv.splice(2));
configure({
  suites: [
    { name: 'unit', files: ['suites/unit/**/*.spec.ts'], timeout: 60_000 },
    { name: 'audit', files: ['suites/audit/**/*.spec.ts'], timeout: 120_000 },
  ],
  plugins: [assert()],
  reporters: { activated: ['spec', 'tally'], list: [spec(), tallyReporter] },
  forceExit: false,
});

await run();
// A failure outside any test (a hook, an unhandled rejection) sets the exit code without a failed test.
if (process.exitCode === 1 && tally.failed === 0) tally.failed = 1;

// tsx keeps its compile cache there (tsx-UID): a cache, not something a test made.
const leftovers = readdirSync(tmpRoot).filter((name) => !/^tsx-\d+$/.test(name));
if (leftovers.length > 0) {
  console.error(`\nleft behind in ${tmpRoot} by the run: ${leftovers.join(', ')}`);
  tally.failed++;
  process.exitCode = 1;
}
rmSync(tmpRoot, { recursive: true, force: true });
const skipped = tally.skipped ? `, ${tally.skipped} skipped` : '';
console.log(`\n${tally.passed} passed, ${tally.failed} failed${skipped}`);
process.exit(process.exitCode ?? 0);

/**
 * `fdaudit/runner`: audit specs for japa, in the style of Playwright Test.
 *
 *   import { test, auditMatrix } from 'fdaudit/runner'
 *
 *   test.group('my launcher', () => {
 *     test('seals every bait', async ({ audit, assert }) => {
 *       assert.sealed(await audit('native'))
 *     })
 *     auditMatrix({ launchers: ['node:spawn'] }).run(async ({ audit, assert }, row) => {
 *       assert.crossed(await audit(row.launcher), row.bait)
 *     })
 *   })
 *
 * Importing this module adds the fixtures (`audit`, `baits`, `kernel`, `fdaudit`, `trace`) to the japa
 * test context and the audit assertions (and `noExecInherited` for traces) to @japa/assert's Assert. `test` is japa's own, re-exported so that a
 * spec and the runner that runs it share one japa instance. Spec files are ES modules (a package with
 * "type": "module", or .mts).
 *
 * `fdaudit run` configures japa itself. In a japa entry of your own, add the plugin (it takes the
 * options `fdaudit run` takes: launchers, baits, grep, user launchers) and, for the report writers, the
 * records reporter:
 *
 *   configure({ files: ['audits/*.spec.ts'], plugins: [assert(), fdaudit({ baits: ['pipe', 'high-fd'] })],
 *     reporters: { activated: ['spec', 'fdaudit-records'], list: [spec(), recordsReporter(records)] } })
 */
import { installAssertions } from './assertions.ts';
import { installFixtures } from './fixtures.ts';
import { installTrace } from './trace.ts';

installAssertions();
installFixtures();
installTrace();

export { test } from '@japa/runner';
// Re-exported so that a spec importing only this module gets @japa/assert's types (the `assert` fixture).
export type { Assert } from '@japa/assert';
export { fdaudit, type FdauditPluginOptions } from './plugin.ts';
export {
  auditMatrix,
  grepAllows,
  matrix,
  matrixRows,
  rowsTest,
  selectedBaits,
  selectedLaunchers,
  testName,
  userLaunchers,
  type MatrixOptions,
  type MatrixRow,
} from './matrix.ts';
export { auditCached, effectiveBaits, resolveLauncher, userLauncherRegistry, type AuditRequest } from './cache.ts';
export type { AuditFixture, BaitsFixture } from './fixtures.ts';
export { recordsReporter, GrepRefiner } from './collector.ts';
export {
  collectedResults,
  configureRun,
  defaultRunOptions,
  EXPECTATIONS,
  resetRun,
  runState,
  type Expectation,
  type RunOptions,
  type UserLauncherEntry,
} from './state.ts';
export * as messages from './messages.ts';
export { installTrace, noExecInheritedMessage, type TraceFixture, type NoExecInheritedOptions } from './trace.ts';
export { traceCommand, type TraceOptions, type TraceResult } from '../trace/run.ts';
export { TraceRefused } from '../trace/tracer.ts';
export { installAssertions, installFixtures };

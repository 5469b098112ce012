/**
 * The launcher × bait matrix as japa datasets. One spec line runs across every launcher and bait kind
 * the run selects, each row a test named `launcher › bait` (with `[kernel]` appended when the run covers
 * several kernel personalities):
 *
 *   auditMatrix({ launchers: ['native', 'posix_spawn'] }).run(async ({ audit, assert }, row) => {
 *     assert.notCrossed(await audit(row.launcher), row.bait)
 *   })
 *
 * Rows are computed from the run's --launcher/--bait/--grep selection; a matrix with no row left
 * defines no test.
 */
import { test } from '@japa/runner';
import { Emitter, Refiner, Test, TestContext } from '@japa/runner/core';
import { BAIT_KINDS, type BaitKind } from '../bait/types.ts';
import { launcherIds } from '../launchers/index.ts';
import { userLauncherRegistry } from './cache.ts';
import { runState, type UserLauncherEntry } from './state.ts';

export interface MatrixRow {
  launcher: string;
  bait: BaitKind;
  kernel: string;
  /** `launcher › bait`, plus ` [kernel]` in a multi-kernel run. */
  name: string;
}

export interface MatrixOptions {
  /** Launcher ids (default: every built-in launcher). */
  launchers?: readonly string[];
  /** Bait kinds (default: every kind). */
  baits?: readonly BaitKind[];
}

/** `launcher › what`, with the kernel appended in a multi-kernel run. */
export function testName(launcher: string, what: string): string {
  const { kernel, matrix } = runState().options;
  return matrix ? `${launcher} › ${what} [${kernel}]` : `${launcher} › ${what}`;
}

/** Whether a test title passes the run's --grep (plain substring, case-sensitive). */
export function grepAllows(title: string): boolean {
  const grep = runState().options.grep;
  return !grep || title.includes(grep);
}

/** The candidates the run keeps (--launcher), in the order given; default every built-in launcher. */
export function selectedLaunchers(candidates?: readonly string[]): string[] {
  const selection = runState().options.launchers;
  const list = candidates ?? launcherIds();
  return list.filter((id) => !selection || selection.includes(id));
}

/** The bait kinds the run keeps (--bait), in catalogue order; default every kind. */
export function selectedBaits(candidates?: readonly BaitKind[]): BaitKind[] {
  const selection = runState().options.baits;
  return BAIT_KINDS.filter((k) => (!candidates || candidates.includes(k)) && (!selection || selection.includes(k)));
}

/** Launchers added to this run with --exec or the config file, with what the user expects of each. */
export function userLaunchers(): UserLauncherEntry[] {
  const entries = runState().options.userLaunchers;
  // A worker that has not registered a launcher (it failed to load) must not pretend to audit it.
  return entries.filter((e) => userLauncherRegistry().has(e.id));
}

/** The rows of a matrix under the run's selection (launchers × baits, grep applied to the names). */
export function matrixRows(options: MatrixOptions = {}): MatrixRow[] {
  const kernel = runState().options.kernel;
  const rows: MatrixRow[] = [];
  for (const launcher of selectedLaunchers(options.launchers)) {
    for (const bait of selectedBaits(options.baits)) {
      const name = testName(launcher, bait);
      if (grepAllows(name)) rows.push({ launcher, bait, kernel, name });
    }
  }
  return rows;
}

/** A dataset for `test('{name}').with(matrix(…))`, computed when the test runs. */
export function matrix(options: MatrixOptions = {}): () => MatrixRow[] {
  return () => matrixRows(options);
}

/**
 * A test that is never run: what the matrix helpers return when the run selects none of their rows, so
 * a spec's chained calls still work and the report does not fill with empty skips.
 */
function detachedTest(title: string): Test {
  return new Test(title, (t) => new TestContext(t), new Emitter(), new Refiner());
}

/**
 * A test over the matrix: `auditMatrix(options).run(async (ctx, row) => …)`, its title template `{name}`
 * unless given. When the run selects none of its rows (--launcher, --bait, --grep) there is no test.
 */
export function auditMatrix(options: MatrixOptions = {}, title = '{name}'): Test<MatrixRow[]> {
  // Rows are fixed when the spec is imported: the run's options are set before that.
  const rows = matrixRows(options);
  if (rows.length === 0) return detachedTest(title).with(rows);
  return test(title).with(rows);
}

/**
 * Rows of any shape, filtered by --grep on their `name`, as the dataset of one test, for specs that
 * build their own rows (e.g. per user launcher: bait rows plus limit and signal rows). No row selected:
 * no test.
 */
export function rowsTest<Row extends { name: string }>(build: () => Row[], title = '{name}'): Test<Row[]> {
  const rows = build().filter((r) => grepAllows(r.name));
  if (rows.length === 0) return detachedTest(title).with(rows);
  return test(title).with(rows);
}

/**
 * The policy for launchers a user adds to a run (`--exec NAME=TEMPLATE`, or the config file): sealed
 * unless the user states otherwise (`--expect NAME=leak|error`). Sealed means no bait crosses but
 * `passed` (which the user's program is handed on purpose and may pass on), nothing that is no bait
 * reaches the child, the child's soft RLIMIT_NOFILE is at most 1024, and no signal is left blocked or
 * ignored. One test per bait and per property, named `ext:NAME › what`.
 *
 * With no user launcher in the run this file defines no test.
 */
import type { BaitKind } from '../../src/bait/types.ts';
import { rowsTest, selectedBaits, test, testName, userLaunchers, type Expectation } from '../../src/runner/index.ts';

type Check = 'bait' | 'extra fds' | 'soft limit' | 'signals' | 'expectation';

interface PolicyRow {
  name: string;
  launcher: string;
  kernel?: string;
  bait?: BaitKind;
  check: Check;
  expect: Expectation;
}

function policyRows(): PolicyRow[] {
  const rows: PolicyRow[] = [];
  for (const u of userLaunchers()) {
    if (u.expect !== 'sealed') {
      rows.push({ name: testName(u.id, `expected ${u.expect}`), launcher: u.id, check: 'expectation', expect: u.expect });
      continue;
    }
    for (const bait of selectedBaits().filter((k) => k !== 'passed')) {
      rows.push({ name: testName(u.id, bait), launcher: u.id, bait, check: 'bait', expect: 'sealed' });
    }
    for (const check of ['extra fds', 'soft limit', 'signals'] as const) {
      rows.push({ name: testName(u.id, check), launcher: u.id, check, expect: 'sealed' });
    }
  }
  return rows;
}

if (userLaunchers().length > 0) {
  test.group('user launchers: sealed unless stated otherwise', () => {
    rowsTest(policyRows).run(async ({ audit, assert }, row) => {
      const result = await audit(row.launcher);
      switch (row.check) {
        case 'bait':
          assert.notCrossed(result, row.bait as BaitKind);
          break;
        case 'extra fds':
          assert.noExtraFds(result);
          break;
        case 'soft limit':
          assert.softLimitAtMost(result, 1024);
          break;
        case 'signals':
          assert.signalsClean(result);
          break;
        case 'expectation':
          assert.status(result, row.expect);
          break;
      }
    });
  });
}

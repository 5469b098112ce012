import { test } from '@japa/runner';
import type { AuditResult } from '../../../src/audit/types.ts';
import { stripAnsi } from '../../../src/report/cells.ts';
import { colorEnabled } from '../../../src/report/color.ts';
import { orderLaunchers } from '../../../src/report/order.ts';
import { renderTerminal } from '../../../src/report/table.ts';
import { RESULTS, REPORT } from './golden/fixtures.ts';
import { checkGolden, compareGolden, readGolden } from './golden/golden.ts';

const ESC = '\u001b[';
const result = (launcher: string): AuditResult => {
  const r = RESULTS.find((x) => x.launcher === launcher && x.kernel === 'host');
  if (!r) throw new Error(`fixture ${launcher} missing`);
  return structuredClone(r);
};
/** Lines of the per-kernel tables (the overview after them is left out). */
const tableLines = (text: string): string[] =>
  (text.split('all kernels\n')[0] ?? '').split('\n').filter((l) => /^[┌│├└]/.test(l));
/** Launcher ids in the order their rows appear. */
const rowOrder = (text: string): string[] =>
  tableLines(text)
    .filter((l) => l.startsWith('│') && !l.startsWith('│ launcher'))
    .map((l) => (l.split('│')[1] ?? '').trim());

test.group('report: terminal table', () => {
  test('matches the golden file (colours off)', ({ assert }) => {
    const out = renderTerminal(RESULTS, { color: false, tests: REPORT.tests });
    const check = checkGolden('table.txt', out);
    assert.isTrue(check.ok, check.problem ?? '');
  });

  test('the golden comparison catches a changed cell and names the line', ({ assert }) => {
    const golden = readGolden('table.txt');
    assert.isNotNull(golden);
    const changed = (golden as string).replace('│ native                     │ ✓', '│ native                     │ ✗');
    assert.notEqual(changed, golden);
    const check = compareGolden('table.txt', golden, changed);
    assert.isFalse(check.ok);
    assert.match(check.problem ?? '', /table\.txt differs at line \d+/);
    assert.isTrue(compareGolden('table.txt', golden, golden as string).ok);
  });

  test('node:spawn comes first, then node, native, other built-ins, mutants, external launchers', ({ assert }) => {
    const ids = [
      'ext:zeta', 'mutant:no-signal-reset', 'ext:sh', 'native:leak', 'execa', 'fork', 'node:exec', 'ext:alpha',
      'mutant:naive-dup', 'posix_spawn', 'native', 'node:spawn', 'ext:python-subprocess', 'node:spawnSync',
    ];
    assert.deepEqual(orderLaunchers(ids), [
      'node:spawn', 'node:spawnSync', 'node:exec', 'native', 'native:leak', 'fork', 'posix_spawn', 'execa',
      'mutant:naive-dup', 'mutant:no-signal-reset', 'ext:python-subprocess', 'ext:sh', 'ext:zeta', 'ext:alpha',
    ]);
    const out = renderTerminal(RESULTS, { color: false });
    assert.deepEqual(rowOrder(out), [
      'node:spawn', 'native', 'mutant:fd-setsize-fallback', 'ext:python-subprocess', 'ext:mine',
      'native', 'posix_spawn', 'mutant:fd-setsize-fallback',
    ]);
  });

  test('the ms column: each result\'s launch time, errors included; "-" where nothing was launched', ({ assert }) => {
    const lastCell = (line: string): string => (line.split('│').at(-2) ?? '').trim();
    const rowOf = (out: string, launcher: string): string => {
      const line = tableLines(out).find((l) => (l.split('│')[1] ?? '').trim() === launcher);
      if (!line) throw new Error(`no row for ${launcher}`);
      return line;
    };
    const out = renderTerminal(RESULTS.filter((r) => r.kernel === 'host'), { color: false });
    assert.equal(lastCell(rowOf(out, 'native')), '2');
    assert.equal(lastCell(rowOf(out, 'ext:mine')), '13');
    assert.equal(lastCell(rowOf(out, 'ext:python-subprocess')), '-');
    const timedOut = { ...result('native'), status: 'error' as const, error: 'native did not finish within 10000 ms', durationMs: 10012.44 };
    assert.equal(lastCell(rowOf(renderTerminal([timedOut], { color: false }), 'native')), '10013');
    // Control: the cell follows the value.
    const slower = { ...result('native'), durationMs: 87.66 };
    assert.equal(lastCell(rowOf(renderTerminal([slower], { color: false }), 'native')), '88');
  });

  test('one table per kernel, host first, all lines of all tables equally wide', ({ assert }) => {
    const out = renderTerminal(RESULTS, { color: false });
    const host = out.indexOf('kernel: host\n');
    const k58 = out.indexOf('kernel: linux-5.8\n');
    assert.isAbove(host, -1);
    assert.isAbove(k58, host);
    assert.equal(tableLines(out).filter((l) => l.startsWith('┌')).length, 2);
    const widths = new Set(tableLines(out).map((l) => [...l].length));
    assert.equal(widths.size, 1, `table line widths differ: ${[...widths].join(', ')}`);
    // Twenty-one bait columns with five-digit fds and the launch time still fit a wide (200-column) terminal.
    assert.isAtMost([...widths][0] as number, 200);
  });

  test('several kernels end with a launcher × kernel overview; one kernel has none', ({ assert }) => {
    const out = renderTerminal(RESULTS, { color: false });
    const overview = out.slice(out.indexOf('all kernels\n'));
    assert.isAbove(out.indexOf('all kernels\n'), out.indexOf('kernel: linux-5.8'));
    assert.match(overview, /│ launcher +│ host +linux-5\.8 +│/);
    assert.match(overview, /│ native +│ SEALED +SEALED +│/);
    assert.match(overview, /│ mutant:fd-setsize-fallback +│ SEALED +LEAK +│/);
    assert.match(overview, /│ posix_spawn +│ · +ERROR +│/);
    const hostOnly = renderTerminal(RESULTS.filter((r) => r.kernel === 'host'), { color: false });
    assert.notInclude(hostOnly, 'all kernels');
    // A launcher with two results under one kernel shows the worse one.
    const twice = [result('native'), { ...result('native'), status: 'leak' as const }, { ...result('native'), kernel: 'no-proc' }];
    assert.match(renderTerminal(twice, { color: false }), /│ native +│ LEAK +SEALED +│/);
  });

  test('a refused bait is "skip" in its column, never ✓, and the legend says what that means', ({ assert }) => {
    const out = renderTerminal(RESULTS, { color: false });
    const k58 = out.slice(out.indexOf('kernel: linux-5.8'));
    const header = tableLines(k58).find((l) => l.startsWith('│ launcher')) ?? '';
    const native = tableLines(k58).find((l) => l.startsWith('│ native')) ?? '';
    const col = [...header].join('').indexOf('nlink');
    assert.isAbove(col, 0);
    assert.equal(native.slice(col, col + 4), 'skip');
    assert.include(out, 'skip not opened here (refused by the kernel or sandbox)');
    // Negative control: on the host, where it opened, the same column is ✓.
    const host = tableLines(out).find((l) => l.startsWith('│ native')) ?? '';
    assert.equal(host.slice(col, col + 1), '✓');
  });

  test('a leak shows the child fd, a seal ✓, a passed fd → its child fd, a missing one ○', ({ assert }) => {
    const r = result('native');
    const pipe = r.baits.find((b) => b.kind === 'pipe');
    assert.exists(pipe);
    Object.assign(pipe as object, { crossed: true, childFd: 7 });
    r.status = 'leak';
    const leaky = renderTerminal([r], { color: false });
    const row = tableLines(leaky).find((l) => l.startsWith('│ native'));
    assert.match(row ?? '', /│ ✓ +✓ +✗ 7 +✓ /, 'file and dir sealed, pipe leaked as child fd 7');
    assert.match(row ?? '', /→ 34/);
    assert.include(leaky, 'LEAK     1 of 20 baits crossed (pipe)');

    const mine = renderTerminal([result('ext:mine')], { color: false });
    assert.match(tableLines(mine).find((l) => l.startsWith('│ ext:mine')) ?? '', /○ +│ ✗ 5 +│ ✓ 1024 +│ ✗ i:PIPE/);
    assert.include(mine, 'passed fd 34 did not arrive');
  });

  test('error and skipped rows give the reason on one line; the verdict keeps all of it', ({ assert }) => {
    const out = renderTerminal(RESULTS, { color: false });
    const rows = tableLines(out);
    const err = rows.find((l) => l.startsWith('│ posix_spawn'));
    assert.match(err ?? '', /│ error: probe exited with code 127 posix_spawn: closefrom failed: .* +│ -/);
    assert.match(rows.find((l) => l.startsWith('│ ext:python-subprocess')) ?? '', /│ skipped: python3 not found in PATH +│ -/);
    assert.include(out, 'posix_spawn                 ERROR    probe exited with code 127 posix_spawn: closefrom failed: ENOSYS (/proc walk unavailable)\n');
  });

  test('verdict lines: word, crossed count, soft limit, signals', ({ assert }) => {
    const out = renderTerminal(RESULTS, { color: false, tests: REPORT.tests });
    assert.include(out, '  node:spawn                  LEAK     19 of 20 baits crossed (all but cloexec); soft limit 20000; signals ok\n');
    assert.include(out, '  native                      SEALED   0 of 20 baits crossed; soft limit 1024; signals ok; closed by close_range\n');
    // A bait the sandbox refused is neither counted nor sealed: the verdict names it and why.
    assert.include(out, '  native                      SEALED   0 of 19 baits crossed; not opened here: netlink (socket: EAFNOSUPPORT (Address family not supported by protocol)); soft limit 1024');
    assert.include(out, 'signals: ignored SIGPIPE');
    assert.include(out, 'tests: 4 passed, 2 failed, 1 skipped\n');
  });

  test('NO_COLOR turns colours off even on a terminal; a terminal gets them otherwise', ({ assert }) => {
    const tty = { isTTY: true };
    const plain = renderTerminal(RESULTS, { color: false });
    const noColor = renderTerminal(RESULTS, { stream: tty, env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    assert.notInclude(noColor, ESC);
    assert.equal(noColor, plain);
    const coloured = renderTerminal(RESULTS, { stream: tty, env: { TERM: 'xterm' } });
    assert.include(coloured, `${ESC}31m✗ 20${ESC}39m`);
    assert.include(coloured, `${ESC}32m✓${ESC}39m`);
    // Colour never changes the layout.
    assert.equal(stripAnsi(coloured), plain);
    assert.notInclude(renderTerminal(RESULTS, { stream: { isTTY: false }, env: {} }), ESC);
  });

  test('colour decisions: NO_COLOR, FORCE_COLOR, TTY, TERM=dumb, explicit option', ({ assert }) => {
    assert.isFalse(colorEnabled({ isTTY: true }, { NO_COLOR: 'x' }));
    assert.isTrue(colorEnabled({ isTTY: true }, { NO_COLOR: '' }), 'an empty NO_COLOR does not count');
    assert.isTrue(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' }));
    assert.isFalse(colorEnabled({ isTTY: true }, { FORCE_COLOR: '0' }));
    assert.isFalse(colorEnabled({ isTTY: true }, { TERM: 'dumb' }));
    assert.isFalse(colorEnabled({ isTTY: false }, {}));
    assert.include(renderTerminal(RESULTS, { color: true, env: { NO_COLOR: '1' } }), ESC);
    assert.notInclude(renderTerminal(RESULTS, { color: false, env: { FORCE_COLOR: '1' } }), ESC);
  });

  test('control characters in ids and reasons are shown, not passed to the terminal', ({ assert }) => {
    const odd = { ...result('node:spawn'), launcher: 'ext:we\u0007ird\u001b[2Jid' };
    const err = { ...result('ext:python-subprocess'), launcher: 'ext:x', status: 'error' as const, error: 'bad\u0000\ttab\nline\u009b' };
    const out = renderTerminal([odd, err], { color: false });
    assert.notMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    assert.include(out, 'ext:we\\x07irdid');
    assert.include(out, 'error: bad\\x00 tab line\\x9b');
  });

  test('no results prints a clear line, not an empty table', ({ assert }) => {
    assert.equal(renderTerminal([], { color: false }), 'No results.\n');
  });
});

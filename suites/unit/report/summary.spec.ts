import { test } from '@japa/runner';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAuditReport } from '../../../src/report/audit-json.ts';
import {
  annotationLine,
  escapeCommandData,
  escapeCommandProperty,
  githubAnnotations,
  inGithubActions,
} from '../../../src/report/github.ts';
import { escapeMarkdownCell, renderSummary, writeStepSummary } from '../../../src/report/markdown.ts';
import type { TestRecord } from '../../../src/report/types.ts';
import { RECORDS, REPORT, RESULTS } from './golden/fixtures.ts';
import { checkGolden } from './golden/golden.ts';

/** Rows of the per-kernel Markdown tables (the pivot above them left out): lines that start and end with a pipe. */
const tableRows = (md: string): string[] =>
  md.slice(md.search(/^## (<a id="[^"]*"><\/a>)?(Kernel|Host) /m)).split('\n').filter((l) => l.startsWith('| ') && l.endsWith(' |'));
/** Cells of a GFM row, honouring escaped pipes. */
const cells = (row: string): string[] => row.slice(2, -2).split(/(?<!\\) \| /);

test.group('report: summary.md', () => {
  test('matches the golden file', ({ assert }) => {
    const check = checkGolden('summary.md', renderSummary(REPORT, RECORDS));
    assert.isTrue(check.ok, check.problem ?? '');
  });

  test('one table per kernel; every row has as many cells as the header', ({ assert }) => {
    const md = renderSummary(REPORT);
    assert.match(md, /## <a id="k\/host"><\/a>Kernel `host`[\s\S]*## <a id="k\/linux-5.8"><\/a>Kernel `linux-5\.8`/);
    const rows = tableRows(md);
    const width = cells(rows[0] as string).length;
    assert.equal(width, 2 + 21 + 4);
    for (const r of rows) assert.lengthOf(cells(r), width, r);
    const spawn = rows.find((r) => r.startsWith('| `node:spawn` '));
    assert.deepEqual(cells(spawn as string).slice(0, 4), ['`node:spawn`', '**LEAK**', '✗ 20', '✗ 21']);
    const err = rows.find((r) => r.startsWith('| `posix_spawn` '));
    assert.match(cells(err as string)[1] ?? '', /^\*\*ERROR\*\* \(probe exited with code 127 posix\\_spawn: closefrom failed/);
  });

  test('the pivot comes first: launchers by kernel, each verdict linked to its line below', ({ assert }) => {
    const md = renderSummary(REPORT, RECORDS);
    assert.isBelow(md.indexOf('## Verdicts'), md.indexOf('## Failed tests'));
    assert.isBelow(md.indexOf('## Failed tests'), md.indexOf('## <a id="k/host"></a>Kernel `host`'));
    assert.include(
      md,
      '## Verdicts\n\n| launcher | `host` | `linux-5.8` |\n| --- | :-: | :-: |\n| `node:spawn` | [**LEAK**](#r/host/node:spawn) | · |\n',
    );
    assert.include(md, '| `mutant:fd-setsize-fallback` | [**SEALED**](#r/host/mutant:fd-setsize-fallback) | [**LEAK**](#r/linux-5.8/mutant:fd-setsize-fallback) |\n');
    // Every link lands on exactly one anchor, and every result line has one.
    const links = [...md.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] as string);
    const ids = [...md.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1] as string);
    assert.lengthOf(links, RESULTS.length);
    assert.lengthOf(new Set(ids), ids.length);
    for (const l of links) assert.include(ids, l);
    // A single kernel still gets its pivot (one column); the old overview at the end is gone.
    const one = renderSummary({ ...REPORT, results: RESULTS.filter((r) => r.kernel === 'host') });
    assert.include(one, '| launcher | `host` |\n| --- | :-: |\n');
    assert.notInclude(one, 'All kernels');
    assert.notInclude(renderSummary({ ...REPORT, results: [] }), '## Verdicts');
  });

  test('verdict lines, test counts, failed tests with their messages', ({ assert }) => {
    const md = renderSummary(REPORT, RECORDS);
    assert.include(
      md,
      '## Failed tests\n\n- ext:mine › high-fd \\[host\\]: ext:mine leaked high-fd fd 1500 -&gt; child fd 1500 (/tmp/bait "a" &amp; &lt;b&gt;) expected sealed\n',
    );
    assert.notInclude(renderSummary(REPORT), 'Failed tests');
    assert.include(md, '- <a id="r/host/node:spawn"></a>`node:spawn` **LEAK**: 19 of 20 baits crossed (all but cloexec); soft limit 20000; signals ok\n');
    assert.include(md, 'Tests: **4 passed**, **2 failed**, 1 skipped');
    assert.include(md, 'Host: `ci-7`, Linux 6.18.44, Node v20.20.2, glibc 2.36');
    // A report of an older version names no host; the line says what it knows.
    assert.include(renderSummary({ ...REPORT, host: { kernel: '6.1', node: 'v20.1.0', libc: 'musl' } }), 'Host: Linux 6.1, Node v20.1.0, musl\n');
  });

  test('user text cannot break the table: pipes, HTML, newlines, backticks are escaped', ({ assert }) => {
    assert.equal(escapeMarkdownCell('a|b <i>&\nc *d* `e` [f]'), 'a\\|b &lt;i&gt;&amp; c \\*d\\* \\`e\\` \\[f\\]');
    const weird = {
      ...(RESULTS[1] as (typeof RESULTS)[number]),
      launcher: 'ext:a|b`c',
      status: 'error' as const,
      error: 'broke | here\n<script>',
    };
    const md = renderSummary(buildAuditReport([weird], [], REPORT.host));
    const row = tableRows(md).find((r) => r.includes('ext:a'));
    assert.equal(cells(row as string).length, cells(tableRows(md)[0] as string).length);
    assert.include(row ?? '', '``ext:a\\|b`c``');
    assert.include(row ?? '', 'broke \\| here &lt;script&gt;');
    assert.notInclude(md, '<script>');
  });

  test('writeStepSummary appends to $GITHUB_STEP_SUMMARY and does nothing without it', ({ assert }) => {
    const dir = mkdtempSync(join(tmpdir(), 'fdaudit-summary-'));
    try {
      const file = join(dir, 'step.md');
      writeFileSync(file, 'earlier step\n');
      assert.equal(writeStepSummary('# one\n', { GITHUB_STEP_SUMMARY: file }), file);
      assert.equal(writeStepSummary('# two', { GITHUB_STEP_SUMMARY: file }), file);
      assert.equal(readFileSync(file, 'utf8'), 'earlier step\n# one\n# two\n');
      assert.isNull(writeStepSummary('# three\n', {}));
      assert.equal(readFileSync(file, 'utf8'), 'earlier step\n# one\n# two\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test.group('report: GitHub annotations', () => {
  test('workflow-command escaping: %, CR, LF in data; also : and , in properties', ({ assert }) => {
    assert.equal(escapeCommandData('100% a\r\nb:c,d'), '100%25 a%0D%0Ab:c,d');
    assert.equal(escapeCommandProperty('100% a\r\nb:c,d'), '100%25 a%0D%0Ab%3Ac%2Cd');
    // % first, so an escape sequence already in the text is not taken for one.
    assert.equal(escapeCommandData('%0A'), '%250A');
  });

  test('one ::error line per failed test when GITHUB_ACTIONS is set, none otherwise', ({ assert }) => {
    assert.deepEqual(githubAnnotations(RECORDS, {}), []);
    assert.deepEqual(githubAnnotations(RECORDS, { GITHUB_ACTIONS: 'false' }), []);
    const lines = githubAnnotations(RECORDS, { GITHUB_ACTIONS: 'true' });
    assert.lengthOf(lines, RECORDS.filter((r) => r.status === 'failed').length);
    assert.equal(
      lines[0],
      '::error file=suites/audit/user.spec.ts,title=fdaudit%3A ext%3Amine › high-fd [host]::' +
        'ext:mine leaked high-fd fd 1500 -> child fd 1500 (/tmp/bait "a" & <b>)%0Aexpected sealed',
    );
    // Colour codes dropped, other control characters made visible; every annotation stays one line.
    assert.equal(
      lines[1],
      '::error file=suites/audit/mutants.spec.ts,title=fdaudit%3A mutant%3Afd-setsize-fallback › high-fd [linux-5.8]::' +
        'mutant:fd-setsize-fallback leaked high-fd fd 1500 -> child fd 1500 (pipe:[77])\\x07',
    );
    for (const l of lines) assert.notMatch(l, /[\r\n\u0000-\u001f]/);
    assert.isTrue(inGithubActions({ GITHUB_ACTIONS: 'true' }));
  });

  test('a property with a comma or colon cannot end early or add a property', ({ assert }) => {
    const r: TestRecord = {
      name: 'x, title=evil::y\u0007', file: 'dir,a/b:c.spec.ts', status: 'failed', durationMs: 0, message: 'm\r\n::warning::z',
    };
    const line = annotationLine(r);
    assert.equal(line, '::error file=dir%2Ca/b%3Ac.spec.ts,title=fdaudit%3A x%2C title=evil%3A%3Ay\\x07::m%0D%0A::warning::z');
    // Exactly one "::" opens the message, and the properties split into exactly two.
    const head = line.slice('::error '.length, line.indexOf('::', '::error '.length));
    assert.deepEqual(head.split(','), ['file=dir%2Ca/b%3Ac.spec.ts', 'title=fdaudit%3A x%2C title=evil%3A%3Ay\\x07']);
  });
});

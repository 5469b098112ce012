/**
 * The README's headline table is generated from `fdaudit compare`: the section between the markers
 * must say what a fresh compare on this machine says (verdicts, not fd numbers or limits' values).
 */
import { test } from '@japa/runner';
import { existsSync, readFileSync } from 'node:fs';
import type { AuditReport, AuditResult } from '../../../src/audit/types.ts';
import * as fdops from '../../../src/native/fdops.ts';
import {
  BEGIN,
  END,
  extractSection,
  HEADLINE_BAITS,
  headlineLaunchers,
  README,
  renderSection,
  replaceSection,
  runCompare,
  verdictContent,
  verdictDifferences,
} from '../../../scripts/readme-table.ts';

function result(launcher: string, crossed: readonly string[], soft: number, extra: Partial<AuditResult> = {}): AuditResult {
  return {
    launcher,
    kernel: 'host',
    status: crossed.length ? 'leak' : 'sealed',
    baits: HEADLINE_BAITS.map((kind, i) => ({
      kind,
      fd: kind === 'above-soft-limit' ? 19999 : 20 + i,
      expected: kind === 'passed' ? 'present' : 'absent',
      crossed: kind === 'passed' || crossed.includes(kind),
      childFd: kind === 'passed' || crossed.includes(kind) ? 20 + i : null,
    })),
    extraFds: [],
    rlimitNofile: { soft, hard: 20000 },
    signals: { blocked: [], ignored: [] },
    closeStrategy: null,
    error: null,
    durationMs: 0,
    ...extra,
  };
}

function report(results: AuditResult[]): AuditReport {
  return { schema: 'fdaudit/audit@1', host: { kernel: '6.18.44', node: 'v20.20.2', libc: 'glibc 2.36' }, results, tests: { passed: 0, failed: 0, skipped: 0 } };
}

test.group('readme table: rendering and the marked section', () => {
  test('one row per launcher, a cell per headline bait, soft limit and signals named', ({ assert }) => {
    const section = renderSection(report([
      result('native', [], 1024),
      result('node:spawn', ['file', 'pipe', 'high-fd'], 19999, { signals: { blocked: ['SIGUSR1'], ignored: ['SIGUSR2', 'SIGPIPE'] } }),
    ]));
    const rows = verdictContent(section);
    assert.deepEqual([...rows.keys()], ['node:spawn', 'native'], 'the node:spawn baseline comes first');
    const cells = (marks: Record<string, string>): string => HEADLINE_BAITS.map((k) => marks[k] ?? (k === 'passed' ? '→' : '✓')).join(' | ');
    assert.equal(rows.get('native'), `**sealed** | ${cells({})} | ✓ # | ✓`);
    assert.equal(rows.get('node:spawn'), `leak | ${cells({ file: '✗', pipe: '✗', 'high-fd': '✗' })} | ✗ # (parent's) | ✗ blocked USR1; ignored USR2 PIPE`);
    // A kind refused here is "skip", never ✓.
    const refused = result('native', [], 1024);
    refused.baits = refused.baits.map((b) => (b.kind === 'pidfd' ? { ...b, fd: null, skipped: true, reason: 'pidfd_open: ENOSYS' } : b));
    assert.equal(verdictContent(renderSection(report([refused]))).get('native'), `**sealed** | ${cells({ pidfd: 'skip' })} | ✓ # | ✓`);
  });

  test('fd numbers and limit values do not make a section stale; a changed verdict does, naming the row', ({ assert }) => {
    const a = renderSection(report([result('ext:bun-spawn', [], 20000)]));
    const sameVerdicts = renderSection({ ...report([result('ext:bun-spawn', [], 65536, { rlimitNofile: { soft: 65536, hard: 65536 } })]), host: { kernel: '5.10.0', node: 'v22.1.0', libc: 'glibc 2.31' } });
    assert.deepEqual(verdictDifferences(a, sameVerdicts), []);
    const changed = renderSection(report([result('ext:bun-spawn', ['high-fd'], 20000)]));
    const diff = verdictDifferences(a, changed);
    assert.lengthOf(diff, 1);
    assert.match(diff[0] ?? '', /^ext:bun-spawn: README has \[\*\*sealed\*\* .*\], a fresh compare gives \[leak .*✗.*\]$/);
    assert.deepEqual(verdictDifferences(a, renderSection(report([]))), ['ext:bun-spawn: in the README but not in a fresh compare']);
    // A signal name is verdict content: SIGUSR1 vs SIGUSR2 differ even though only a digit does.
    const usr1 = renderSection(report([result('ext:bun-spawn', [], 20000, { signals: { blocked: ['SIGUSR1'], ignored: [] } })]));
    const usr2 = renderSection(report([result('ext:bun-spawn', [], 20000, { signals: { blocked: ['SIGUSR2'], ignored: [] } })]));
    assert.lengthOf(verdictDifferences(usr1, usr2), 1);
  });

  test('only the text between the markers is replaced; markers are appended when missing', ({ assert }) => {
    const readme = `# fdaudit\n\nintro\n\n${BEGIN}\nold table\n${END}\n\n## More\n`;
    const next = replaceSection(readme, 'new table');
    assert.equal(next, `# fdaudit\n\nintro\n\n${BEGIN}\nnew table\n${END}\n\n## More\n`);
    assert.equal(extractSection(next), 'new table');
    assert.equal(replaceSection('# fdaudit\n', 'T'), `# fdaudit\n\n${BEGIN}\nT\n${END}\n`);
    assert.isNull(extractSection('# fdaudit\n'));
  });
});

test.group('readme table: README.md against a fresh compare', () => {
  test('the README section says what `fdaudit compare` says on this machine', ({ assert }) => {
    assert.isTrue(existsSync(README), 'README.md exists');
    const section = extractSection(readFileSync(README, 'utf8'));
    assert.isNotNull(section, `README.md has no ${BEGIN} … ${END} section; run npx tsx scripts/readme-table.ts`);
    // A stray non-CLOEXEC fd of this process must not reach the compare run (it would be an extra fd
    // in every row that passes fds on): the compare is started sealed.
    const [r, w] = fdops.pipe(false);
    let fresh: AuditReport;
    try {
      fresh = runCompare();
    } finally {
      fdops.close(r);
      fdops.close(w);
    }
    assert.sameMembers(fresh.results.map((r) => r.launcher), headlineLaunchers());
    const diff = verdictDifferences(section as string, renderSection(fresh));
    assert.deepEqual(diff, [], `the README table is stale (run npx tsx scripts/readme-table.ts):\n  ${diff.join('\n  ')}`);
  }).timeout(180_000);
});

/**
 * The README's headline table: every launcher (the mutants aside) × the main bait kinds, plus the
 * child's soft RLIMIT_NOFILE and signal state, generated from an `fdaudit compare` run and written
 * between the `<!-- compare:begin -->` and `<!-- compare:end -->` markers of README.md.
 *
 *   npx tsx scripts/readme-table.ts              run compare, rewrite the README section
 *   npx tsx scripts/readme-table.ts --check      run compare, exit 1 when the section is stale
 *   npx tsx scripts/readme-table.ts --from FILE  render from an existing fdaudit/audit@1 report
 *
 * Only the section between the markers is replaced; without markers they are added at the end.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditReport, AuditResult, BaitVerdict } from '../src/audit/types.ts';
import { launchSync } from '../src/launch/index.ts';
import { launcherIds } from '../src/launchers/registry.ts';
import { orderLaunchers } from '../src/report/order.ts';

export const BEGIN = '<!-- compare:begin -->';
export const END = '<!-- compare:end -->';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const README = join(ROOT, 'README.md');

/** The bait kinds the headline shows (the full matrix is `fdaudit compare`). */
export const HEADLINE_BAITS = [
  'file', 'pipe', 'socketpair', 'tcp-listen', 'eventfd', 'memfd', 'o-path', 'signalfd', 'pidfd', 'pty', 'unix-listen', 'netlink',
  'high-fd', 'above-soft-limit', 'cloexec', 'passed',
] as const;

/** Launchers of the headline: every built-in one but the deliberately flawed mutants. */
export function headlineLaunchers(): string[] {
  return launcherIds().filter((id) => !id.startsWith('mutant:'));
}

/**
 * Runs `fdaudit compare --json` (from the sources) on the headline launchers and returns its report.
 * The compare process is started by fdaudit's sealed launcher, not child_process: whatever fds the
 * calling process holds without CLOEXEC (a test runner's, a shell's) must not show up in the rows of
 * the launchers that pass everything on.
 */
export function runCompare(launchers: readonly string[] = headlineLaunchers()): AuditReport {
  const dir = mkdtempSync(join(tmpdir(), 'fdaudit-readme-'));
  try {
    const json = join(dir, 'audit.json');
    const log = join(dir, 'compare.log');
    const out = openSync(log, 'w');
    const devnull = openSync('/dev/null', 'r');
    let r;
    try {
      r = launchSync(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'compare', '--no-color', '--json', json, '--launcher', launchers.join(',')],
        { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: [devnull, out, out], rlimit: 'inherit' },
      );
    } finally {
      closeSync(out);
      closeSync(devnull);
    }
    if (r.code !== 0 || !existsSync(json)) {
      const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-5).join(' | ');
      throw new Error(`fdaudit compare failed (${r.signal ?? `status ${r.code}`}): ${tail}`);
    }
    return JSON.parse(readFileSync(json, 'utf8')) as AuditReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HEADERS: Record<string, string> = {
  file: 'file',
  pipe: 'pipe',
  socketpair: 'socketpair',
  'tcp-listen': 'tcp listen',
  eventfd: 'eventfd',
  memfd: 'memfd',
  'o-path': 'O_PATH fd',
  signalfd: 'signalfd',
  pidfd: 'pidfd',
  pty: 'pty master',
  'unix-listen': 'unix listen',
  netlink: 'netlink',
  'high-fd': 'fd ≥ 1024',
  'above-soft-limit': 'fd > soft limit',
  cloexec: 'CLOEXEC fd',
  passed: 'passed fd',
};

function baitCell(all: readonly BaitVerdict[]): string {
  if (all.length === 0) return '·';
  const baits = all.filter((b) => !b.skipped);
  if (baits.length === 0) return 'skip';
  if (baits.some((b) => b.expected === 'absent' && b.crossed)) return '✗';
  if (baits.some((b) => b.expected === 'present' && !b.crossed)) return '○';
  if (baits.some((b) => b.expected === 'present' && b.crossed)) return '→';
  return '✓';
}

/** Soft limit, with what it is: reset to 1024, the hard limit, or the parent's (lowered) one handed on. */
function softCell(r: AuditResult): string {
  const lim = r.rlimitNofile;
  if (!lim) return '';
  const { soft, hard } = lim;
  if (soft === 'unlimited') return '✗ unlimited';
  if (soft <= 1024) return `✓ ${soft}`;
  if (soft === hard) return `✗ ${soft} (hard limit)`;
  const parent = r.baits.find((b) => b.kind === 'above-soft-limit')?.fd;
  return soft === parent ? `✗ ${soft} (parent's)` : `✗ ${soft}`;
}

// SIGUSR1 → USR1; real-time signals keep their prefix (SIG32), a bare number would read as a count.
const short = (s: string): string => (/^SIG[A-Z]/.test(s) ? s.slice(3) : s);

function signalsCell(r: AuditResult): string {
  const s = r.signals;
  if (!s) return '';
  if (s.blocked.length === 0 && s.ignored.length === 0) return '✓';
  const parts: string[] = [];
  if (s.blocked.length) parts.push(`blocked ${s.blocked.map(short).join(' ')}`);
  if (s.ignored.length) parts.push(`ignored ${s.ignored.map(short).join(' ')}`);
  return `✗ ${parts.join('; ')}`;
}

function verdictCell(r: AuditResult): string {
  return r.status === 'sealed' ? '**sealed**' : r.status;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

/** The Markdown between the markers (without them): host line, table, legend. */
export function renderSection(report: AuditReport): string {
  const results = report.results.filter((r) => r.kernel === 'host' || report.results.every((x) => x.kernel === r.kernel));
  const byId = new Map(results.map((r) => [r.launcher, r]));
  const ids = orderLaunchers(results.map((r) => r.launcher));
  const header = ['launcher', 'verdict', ...HEADLINE_BAITS.map((k) => HEADERS[k] ?? k), 'soft RLIMIT_NOFILE', 'signals'];
  const lines: string[] = [
    `Generated by \`npx tsx scripts/readme-table.ts\` from \`fdaudit compare\` on Linux ${report.host.kernel}, Node ${report.host.node}, ${report.host.libc}.`,
    'The parent holds one non-CLOEXEC fd of each kind, blocks SIGUSR1 and ignores SIGUSR2 (and SIGPIPE and SIGXFSZ, as Node does); external',
    'launchers (`ext:*`) are started with all of it on purpose, so their row shows what that program passes on.',
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i < 2 ? '---' : ':-:')).join(' | ')} |`,
  ];
  for (const id of ids) {
    const r = byId.get(id) as AuditResult;
    if (r.status === 'error' || r.status === 'skipped') {
      lines.push(`| \`${id}\` | ${r.status}: ${escapeCell(r.error ?? '')} | ${HEADLINE_BAITS.map(() => '').join(' | ')} | | |`);
      continue;
    }
    const cells = HEADLINE_BAITS.map((k) => baitCell(r.baits.filter((b) => b.kind === k)));
    const extra = r.extraFds.length ? ` (+${r.extraFds.length} other fd${r.extraFds.length === 1 ? '' : 's'})` : '';
    lines.push(`| \`${id}\` | ${verdictCell(r)}${extra} | ${cells.join(' | ')} | ${escapeCell(softCell(r))} | ${escapeCell(signalsCell(r))} |`);
  }
  lines.push(
    '',
    '✓ stayed out of the child · ✗ reached the child (a leak) · → passed on purpose and arrived · ○ passed on purpose but missing ·',
    'skip: the kernel or sandbox refused to open that kind here.',
    'Soft limit: ✓ at most 1024 (what `select()` needs); "hard limit": raised to the hard limit; "parent\'s": the parent\'s',
    'soft limit handed on unchanged. Mutants and the other bait kinds: `npx fdaudit compare`.',
  );
  return lines.join('\n');
}

/** README text with the section replaced (markers added at the end when missing). */
export function replaceSection(readme: string, section: string): string {
  const block = `${BEGIN}\n${section}\n${END}`;
  const b = readme.indexOf(BEGIN);
  const e = readme.indexOf(END);
  if (b === -1 || e === -1 || e < b) {
    const sep = readme === '' || readme.endsWith('\n\n') ? '' : readme.endsWith('\n') ? '\n' : '\n\n';
    return `${readme}${sep}${block}\n`;
  }
  return `${readme.slice(0, b)}${block}${readme.slice(e + END.length)}`;
}

/** The section between the markers, or null when there are no markers. */
export function extractSection(readme: string): string | null {
  const b = readme.indexOf(BEGIN);
  const e = readme.indexOf(END);
  if (b === -1 || e === -1 || e < b) return null;
  return readme.slice(b + BEGIN.length, e).replace(/^\n/, '').replace(/\n$/, '');
}

/**
 * The verdict content of a section: one entry per table row, launcher → cells, with every number
 * taken out (fd numbers, limits and versions differ between machines and runs; verdicts do not).
 */
export function verdictContent(section: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)` \|(.*)\|$/.exec(line.trim());
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    rows.set(m[1], m[2].replace(/\b\d+\b/g, '#').replace(/\s+/g, ' ').trim());
  }
  return rows;
}

/** What differs between two sections' verdicts, one line per launcher; empty when they agree. */
export function verdictDifferences(readmeSection: string, fresh: string): string[] {
  const a = verdictContent(readmeSection);
  const b = verdictContent(fresh);
  const out: string[] = [];
  for (const [id, cells] of b) {
    const old = a.get(id);
    if (old === undefined) out.push(`${id}: missing from the README`);
    else if (old !== cells) out.push(`${id}: README has [${old}], a fresh compare gives [${cells}]`);
  }
  for (const id of a.keys()) if (!b.has(id)) out.push(`${id}: in the README but not in a fresh compare`);
  return out;
}

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes('--check');
  const fromAt = argv.indexOf('--from');
  const from = fromAt >= 0 ? argv[fromAt + 1] : undefined;
  if (fromAt >= 0 && !from) {
    process.stderr.write('readme-table: --from needs an fdaudit/audit@1 file\n');
    return 2;
  }
  const report = from ? (JSON.parse(readFileSync(resolve(from), 'utf8')) as AuditReport) : runCompare();
  if (report.schema !== 'fdaudit/audit@1') {
    process.stderr.write(`readme-table: ${from} is not an fdaudit/audit@1 report\n`);
    return 2;
  }
  const section = renderSection(report);
  const readme = existsSync(README) ? readFileSync(README, 'utf8') : '';
  if (check) {
    const current = extractSection(readme);
    if (current === null) {
      process.stderr.write(`readme-table: README.md has no ${BEGIN} … ${END} section; run npx tsx scripts/readme-table.ts\n`);
      return 1;
    }
    const diff = verdictDifferences(current, section);
    if (diff.length) {
      process.stderr.write(`readme-table: the README table is stale:\n  ${diff.join('\n  ')}\nrun npx tsx scripts/readme-table.ts\n`);
      return 1;
    }
    process.stdout.write('readme-table: the README table matches a fresh compare\n');
    return 0;
  }
  writeFileSync(README, replaceSection(readme, section));
  process.stdout.write(`readme-table: wrote ${report.results.length} rows to ${README}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`readme-table: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

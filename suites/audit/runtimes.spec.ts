/**
 * What the other JavaScript runtimes and the spawn libraries hand a child today, per kernel
 * personality: which baits cross, the child's soft RLIMIT_NOFILE, its blocked and ignored signals.
 * Measured, then stated here; when a release changes any of it the failing test says what changed
 * (e.g. "ext:bun-spawn no longer closes high-fd (child fd 1500)"), and this table is to be updated.
 *
 * The parent state is the engine's: SIGUSR1 blocked, SIGUSR2 ignored, and what Node itself ignores
 * (SIGPIPE, SIGXFSZ). External launchers (ext:*) start the runtime with all of it and every bait on
 * purpose; the adapters run in this process.
 *
 * Under `fdaudit run --kernel …` each worker states its own personality's row; `npm test` (host)
 * also runs this file under linux-5.10 and linux-5.8 through the CLI and checks the audit report.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditReport, AuditResult, AuditStatus } from '../../src/audit/types.ts';
import { BAIT_KINDS, type BaitKind } from '../../src/bait/types.ts';
import type { KernelId } from '../../src/kernels/types.ts';
import { PARENT_SIGNALS } from '../../src/audit/audit.ts';
import { ignoredSignals } from '../../src/launchers/host-signals.ts';
import { getCloexec, getRlimitNofile, isOpen } from '../../src/native/fdops.ts';
import { getLauncher } from '../../src/launchers/registry.ts';
import { auditCached, grepAllows, rowsTest, runState, selectedBaits, selectedLaunchers, test, testName } from '../../src/runner/index.ts';
import { assertRefusedHere } from './helpers.ts';

/** How a launcher treats the child today. */
interface Today {
  status: Exclude<AuditStatus, 'error' | 'skipped'>;
  /** Bait kinds that reach the child. */
  crosses: readonly BaitKind[];
  /** 'hard': raised to the hard limit; 'parent': the parent's soft limit handed on unchanged; a number: that. */
  soft: 'hard' | 'parent' | number;
  blocked: readonly string[];
  /** The child's ignored signals, given those ignored in the parent that started the launcher. */
  ignored: (parent: readonly string[]) => readonly string[];
}

/** A launcher that fails under a personality: the reason it fails with. */
interface Fails {
  status: 'error';
  reason: RegExp;
}

type Behaviour = Today | Fails;

const EVERY_FD: readonly BaitKind[] = BAIT_KINDS.filter((k) => k !== 'cloexec');

const none = (): readonly string[] => [];

/**
 * Bun closes every inherited fd (close_range with CLOSE_RANGE_CLOEXEC, else an F_SETFD loop up to its
 * soft limit, raised to the hard limit) and resets ignored signals, but hands on the blocked mask.
 */
const BUN: Today = { status: 'sealed', crosses: [], soft: 'hard', blocked: ['SIGUSR1'], ignored: none };
/** Bun raises its soft limit to 2^20 at most: under a hard limit of 1073741816 (huge-nofile) that is where it stops. */
const BUN_HUGE: Today = { ...BUN, soft: 1 << 20 };
const withHugeNofile = (b: Behaviour): Partial<Record<KernelId, Behaviour>> => ({ 'huge-nofile': b, 'container-eperm+huge-nofile': b });
/** Bun aborts at start-up without /proc. */
const BUN_NO_PROC: Fails = { status: 'error', reason: /killed by SIGABRT/ };
/**
 * Deno closes nothing and hands on the parent's ignored signals but SIGPIPE (Rust's spawn resets that
 * one); glibc's posix_spawn, which Rust uses, leaves its two internal signals (SIG32, SIG33) ignored.
 */
const DENO: Today = {
  status: 'leak',
  crosses: EVERY_FD,
  soft: 'hard',
  blocked: ['SIGUSR1'],
  ignored: (parent) => [...parent.filter((s) => s !== 'SIGPIPE'), 'SIG32', 'SIG33'],
};
/** Deno's node:child_process needs /proc/self/exe. */
const DENO_CP_NO_PROC: Fails = { status: 'error', reason: /\/proc\/self\/exe/ };
/** execa and cross-spawn are child_process.spawn underneath: libuv resets signals, closes nothing, keeps Node's limit. */
const NODE_LIKE: Today = { status: 'leak', crosses: EVERY_FD, soft: 'parent', blocked: [], ignored: none };
/** node-pty: forkpty, every handler reset to SIG_DFL, but the caller's blocked mask restored in the child. */
const PTY: Today = { status: 'leak', crosses: EVERY_FD, soft: 'parent', blocked: ['SIGUSR1'], ignored: none };

const NO_PROC: readonly KernelId[] = ['no-proc', 'linux-5.8+no-proc'];

function perKernel(all: Behaviour, overrides: Partial<Record<KernelId, Behaviour>> = {}): (kernel: string) => Behaviour {
  return (kernel) => overrides[kernel as KernelId] ?? all;
}
const withoutProc = (b: Behaviour): Partial<Record<KernelId, Behaviour>> => Object.fromEntries(NO_PROC.map((k) => [k, b]));

/** Measured on Linux 6.18 with Bun 1.4.5, Deno 2.9.6, execa 9.6, cross-spawn 7.0, node-pty 1.1, under every personality. */
export const TODAY: Readonly<Record<string, (kernel: string) => Behaviour>> = {
  'ext:bun-spawn': perKernel(BUN, { ...withoutProc(BUN_NO_PROC), ...withHugeNofile(BUN_HUGE) }),
  'ext:bun-spawnSync': perKernel(BUN, { ...withoutProc(BUN_NO_PROC), ...withHugeNofile(BUN_HUGE) }),
  'ext:deno-command': perKernel(DENO),
  'ext:deno-child_process': perKernel(DENO, withoutProc(DENO_CP_NO_PROC)),
  execa: perKernel(NODE_LIKE),
  'cross-spawn': perKernel(NODE_LIKE),
  'node-pty': perKernel(PTY),
};

export const RUNTIME_LAUNCHERS = Object.keys(TODAY);

/**
 * Why each selected launcher cannot run here (the runtime or library is not installed), or null. All
 * of them are optional for users: a missing one is one skipped test with how to add it, not a row per
 * bait. Asked once, when the spec loads: the rows below depend on it.
 */
const UNAVAILABLE: ReadonlyMap<string, string | null> = new Map(
  await Promise.all(selectedLaunchers(RUNTIME_LAUNCHERS).map(async (id) => [id, await getLauncher(id).unavailable()] as const)),
);
const PRESENT = [...UNAVAILABLE].filter(([, why]) => why === null).map(([id]) => id);

type Check = 'status' | 'bait' | 'soft limit' | 'signals' | 'extra fds';

interface Row {
  name: string;
  launcher: string;
  check: Check;
  bait?: BaitKind;
}

function rows(): Row[] {
  const { kernel } = runState().options;
  const out: Row[] = [];
  for (const launcher of PRESENT) {
    out.push({ name: testName(launcher, 'status'), launcher, check: 'status' });
    const today = (TODAY[launcher] as (k: string) => Behaviour)(kernel);
    if ('reason' in today) continue;
    for (const bait of selectedBaits()) out.push({ name: testName(launcher, bait), launcher, check: 'bait', bait });
    for (const check of ['extra fds', 'soft limit', 'signals'] as const) out.push({ name: testName(launcher, check), launcher, check });
  }
  return out;
}

const list = (xs: readonly string[]): string => `[${xs.join(', ')}]`;

function where(kernel: string): string {
  return kernel === 'host' ? '' : ` under ${kernel}`;
}

/** The soft limit the parent had while the launcher ran: the above-soft-limit bait lowers it to its fd. */
function parentSoft(r: AuditResult): number | 'unlimited' {
  const above = r.baits.find((b) => b.kind === 'above-soft-limit');
  return above?.fd ?? getRlimitNofile().soft;
}

/** An fd open without CLOEXEC in this process: an in-process launcher that closes nothing passes it on. */
function heldHere(fd: number): boolean {
  return isOpen(fd) && !getCloexec(fd);
}

/** What the parent ignored while a launcher ran: the engine's SIGUSR2 and what this process ignores (Node: SIGPIPE, SIGXFSZ). */
function parentIgnored(): string[] {
  return [...new Set([...PARENT_SIGNALS.ignored, ...ignoredSignals()])];
}

test.group('audit: other runtimes and spawn libraries, as they behave today', () => {
  rowsTest(rows).run(async ({ audit, assert, kernel }, row) => {
    const r = await audit(row.launcher);
    const today = (TODAY[row.launcher] as (k: string) => Behaviour)(kernel);
    const at = where(kernel);
    // Found when the spec loaded, gone since (or refused under this personality): recorded as skipped.
    if (r.status === 'skipped') return assert.status(r, today.status);

    if (row.check === 'status') {
      if ('reason' in today) {
        assert.equal(r.status, 'error', `${row.launcher} now runs${at} (status ${r.status}); it failed before: update this expectation`);
        assert.match(r.error ?? '', today.reason, `${row.launcher} fails${at} for another reason now: ${r.error}`);
        return;
      }
      assert.equal(r.status, today.status, `${row.launcher} is now ${r.status}${at}${r.error ? ` (${r.error})` : ''}; it was ${today.status}`);
      return;
    }
    if (r.status === 'error') assert.fail(`${row.launcher} failed${at}: ${r.error}`);
    const t = today as Today;

    switch (row.check) {
      case 'bait': {
        const kind = row.bait as BaitKind;
        if (assertRefusedHere(assert, r, kind)) return;
        // Refused by this machine's sandbox (not by the personality): the assertion records the skip.
        if (r.baits.some((x) => x.kind === kind && x.skipped)) return assert.baitAsExpected(r, kind);
        for (const b of r.baits.filter((x) => x.kind === kind && !x.skipped)) {
          if (t.crosses.includes(kind)) {
            assert.isTrue(b.crossed, `${row.launcher} now closes ${kind} (fd ${b.fd})${at}; it passed it on before`);
            assert.equal(b.childFd, b.fd, `${row.launcher} now moves ${kind} from fd ${b.fd} to child fd ${b.childFd}${at}`);
          } else {
            assert.isFalse(b.crossed, `${row.launcher} no longer closes ${kind} (child fd ${b.childFd})${at}`);
          }
        }
        return;
      }
      case 'extra fds': {
        // An in-process adapter that passes on every fd also passes on what this process itself holds
        // without CLOEXEC (left there by something else that ran here): that is not the launcher's own.
        const passesAll = t.crosses.length === EVERY_FD.length && getLauncher(row.launcher).kind === 'adapter';
        const own = r.extraFds.filter((e) => !(passesAll && heldHere(e.fd)));
        assert.deepEqual(own.map((e) => `${e.fd} ${e.target}`), [], `${row.launcher} hands the child fds that are no bait${at}`);
        return;
      }
      case 'soft limit': {
        const lim = r.rlimitNofile;
        if (!lim) return assert.fail(`${row.launcher}: no soft limit reported${at}`);
        const expected = t.soft === 'hard' ? lim.hard : t.soft === 'parent' ? parentSoft(r) : t.soft;
        const was = t.soft === 'hard' ? `raised it to the hard limit (${lim.hard})`
          : t.soft === 'parent' ? `handed on the parent's (${expected})` : `set it to ${expected}`;
        assert.equal(lim.soft, expected, `${row.launcher} now gives the child soft RLIMIT_NOFILE ${lim.soft}${at}; it ${was} before`);
        return;
      }
      case 'signals': {
        const s = r.signals ?? { blocked: [], ignored: [] };
        const ignored = t.ignored(parentIgnored());
        const now = `blocked ${list(s.blocked)}, ignored ${list(s.ignored)}`;
        const before = `blocked ${list(t.blocked)}, ignored ${list(ignored)}`;
        assert.sameMembers([...s.blocked], [...t.blocked], `${row.launcher} now leaves the child ${now}${at}; before: ${before}`);
        assert.sameMembers([...s.ignored], [...ignored], `${row.launcher} now leaves the child ${now}${at}; before: ${before}`);
        return;
      }
    }
  });
});

test.group('audit: optional runtimes and spawn libraries that are not installed here', () => {
  const { kernel, matrix } = runState().options;
  for (const [id, why] of UNAVAILABLE) {
    const title = matrix ? `${id} [${kernel}]` : id;
    if (why === null || !grepAllows(title)) continue;
    // Audited all the same, so audit.json and the verdict lines carry the launcher as skipped with the reason.
    test(title).skip(async () => (await auditCached(id)).status === 'skipped', why).run(async ({ audit, assert }) => {
      // Reached only when the launcher turned up between loading this spec and running it.
      assert.notEqual((await audit(id)).status, 'skipped');
    });
  }
});

/** The personalities Bun's CLOSE_RANGE_CLOEXEC use is known to meet: asserted from `npm test` too. */
const OLD_KERNELS = ['linux-5.10', 'linux-5.8'] as const;

// None installed (or selected): nothing to run; the launchers' own skipped tests say why.
if (PRESENT.length > 0) test.group('audit: other runtimes under linux-5.10 and linux-5.8, through fdaudit run', () => {
  const { kernel, matrix } = runState().options;
  const launchers = PRESENT;
  test('every row is in the audit report of a two-personality run, with today\'s verdict, and every assertion holds')
    .skip(kernel !== 'host' || matrix, 'runs from a host pass only (it starts the two personalities itself)')
    .run(({ assert }) => {
      const out = mkdtempSync(join(tmpdir(), 'fdaudit-runtimes-kernels-'));
      try {
        const root = fileURLToPath(new URL('../../', import.meta.url));
        const r = spawnSync(
          process.execPath,
          ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'run', fileURLToPath(import.meta.url),
            '--kernel', OLD_KERNELS.join(','), '--launcher', launchers.join(','), '--reporter', 'json', '--out', out],
          { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FDAUDIT_KERNEL: '', FDAUDIT_MATRIX: '' }, timeout: 600_000 },
        );
        const report = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8')) as AuditReport;
        const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-8).join('\n');
        for (const k of OLD_KERNELS) {
          for (const id of launchers) {
            const got = report.results.find((x) => x.launcher === id && x.kernel === k);
            assert.exists(got, `${id} [${k}] is missing from audit.json`);
            const today = (TODAY[id] as (kk: string) => Behaviour)(k);
            if (got?.status === 'skipped') continue;
            assert.equal(got?.status, today.status, `${id} is now ${got?.status} under ${k}${got?.error ? ` (${got.error})` : ''}; it was ${today.status}`);
          }
        }
        assert.equal(report.tests.failed, 0, `failed assertions under ${OLD_KERNELS.join(', ')}:\n${tail}`);
        assert.isAbove(report.tests.passed, launchers.length * OLD_KERNELS.length, 'the per-personality rows ran');
        assert.equal(r.status, 0, `fdaudit run exited ${r.status}:\n${tail}`);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    })
    .timeout(600_000);
});

/**
 * Large, ragged fd tables against an exact expectation. For random tables
 * of thousands of fds with gaps (some CLOEXEC, some within a few numbers of
 * the hard limit) and tens of keep fds among them, a sealed child's table is
 * exactly 0, 1, 2 and the keep fds, each the parent's open file at the same
 * number; an unsealed child (the control) has every non-CLOEXEC fd of the
 * table. And for keep fds with a non-CLOEXEC stray right below and right
 * above each (k - 1, k + 1), every strategy closes the strays and passes the
 * keep fds. Mutants that forget keep fds or stop at 1024 fail the same
 * property.
 *
 * Sized for CI (seconds); FDAUDIT_TABLE_RUNS sets the number of runs.
 */
import { test } from '@japa/runner';
import fc from 'fast-check';
import { readFileSync, rmSync } from 'node:fs';
import { launchSync } from '../../../src/launch/index.ts';
import { launchVariantSync } from '../../../src/launch/variants.ts';
import type { CloseStrategy, LaunchOptions } from '../../../src/launch/types.ts';
import { close, dupTo, getRlimitNofile, openFds, pipe } from '../../../src/native/fdops.ts';
import { fdlistPath, hostAllows, identity, tempPath } from './helpers.ts';
import type { Seen } from './helpers.ts';

type Strategy = 'auto' | CloseStrategy;
type Launch = (options: LaunchOptions, out: string) => void;

const RUNS = Number(process.env.FDAUDIT_TABLE_RUNS ?? 30);
const SOURCES = 24;

const strategies = (): Strategy[] => [
  'auto', 'poll', 'loop',
  ...(hostAllows.closeRange() ? (['close_range'] as const) : []),
  ...(hostAllows.proc() ? (['proc'] as const) : []),
];

/** The highest number an fd can be opened at here (below the soft limit, which Node raised to the hard one). */
function ceiling(): number {
  const soft = getRlimitNofile().soft;
  return soft === 'unlimited' ? 65536 : Math.min(soft, 65536);
}

interface Table {
  /** Numbers to open, ascending. */
  fds: number[];
  /** Which of them are CLOEXEC. */
  cloexec: Set<number>;
  keep: number[];
  strategy: Strategy;
}

function tableArb(top: number): fc.Arbitrary<Table> {
  return fc.record({
    spread: fc.uniqueArray(fc.integer({ min: 3, max: top - 1 }), { minLength: 1000, maxLength: 3000 }),
    near: fc.subarray([1, 2, 3, 5, 8].map((d) => top - d), { minLength: 1 }),
    keepAt: fc.uniqueArray(fc.nat({ max: 100_000 }), { minLength: 10, maxLength: 60 }),
    keepNear: fc.boolean(),
    cloexecEvery: fc.integer({ min: 2, max: 6 }),
    strategy: fc.constantFrom(...strategies()),
  }).map((r): Table => {
    const fds = [...new Set([...r.spread, ...r.near])].sort((a, b) => a - b);
    const keep = new Set(r.keepAt.map((i) => fds[i % fds.length]!));
    if (r.keepNear) keep.add(r.near[0]!);
    return {
      fds,
      cloexec: new Set(fds.filter((_, i) => i % r.cloexecEvery === 0)),
      keep: [...keep].sort((a, b) => a - b),
      strategy: r.strategy,
    };
  });
}

/** Opens the table's fds (dups of SOURCES pipes, so their files differ) where nothing is open yet; returns them and a closer. */
function openTable(t: Table): { opened: number[]; keep: number[]; undo: () => void } {
  const pipes = Array.from({ length: SOURCES }, () => pipe(true));
  const busy = new Set(openFds());
  const opened: number[] = [];
  const undo = (): void => {
    for (const fd of opened) close(fd);
    for (const [r, w] of pipes) {
      close(r);
      close(w);
    }
  };
  try {
    for (const fd of t.fds) {
      if (busy.has(fd)) continue;
      opened.push(dupTo(pipes[fd % SOURCES]![fd % 2]!, fd, t.cloexec.has(fd)));
    }
  } catch (e) {
    undo();
    throw e;
  }
  const mine = new Set(opened);
  return { opened, keep: t.keep.filter((k) => mine.has(k)), undo };
}

function seenBy(launch: Launch, options: LaunchOptions): Seen {
  const out = tempPath('table.json');
  try {
    launch(options, out);
    return JSON.parse(readFileSync(out, 'utf8')) as Seen;
  } finally {
    rmSync(out, { force: true });
  }
}

const sealedLaunch: Launch = (options, out) => {
  const r = launchSync(fdlistPath(), [out], options);
  if (r.code !== 0) throw new Error(`fdaudit-fdlist exited ${r.code} ${r.signal}`);
};

const variantLaunch = (variant: string): Launch => (options, out) => {
  const r = launchVariantSync(variant, fdlistPath(), [out], options);
  if (r.code !== 0) throw new Error(`fdaudit-fdlist exited ${r.code} ${r.signal}`);
};

/** Compares the child's table with exactly `expected`, fd by fd, by the parent's files; null when equal. */
function difference(seen: Seen, expected: number[]): string | null {
  const got = seen.fds.map((f) => f.fd);
  const want = [0, 1, 2, ...expected];
  const missing = want.filter((fd) => !got.includes(fd));
  const extra = got.filter((fd) => !want.includes(fd));
  if (missing.length || extra.length) return `missing ${JSON.stringify(missing.slice(0, 10))}, extra ${JSON.stringify(extra.slice(0, 10))} (${extra.length})`;
  for (const f of seen.fds) {
    if (`${f.dev}:${f.ino}` !== identity(f.fd)) return `fd ${f.fd} is not the parent's file at ${f.fd}`;
  }
  return null;
}

/** The property: sealed, exactly 0, 1, 2 and keep; with `control`, also unsealed, every non-CLOEXEC fd. */
function holds(t: Table, launch: Launch, control: boolean): string | null {
  const { opened, keep, undo } = openTable(t);
  try {
    const sealed = difference(seenBy(launch, { keep, closeStrategy: t.strategy }), keep);
    if (sealed) return `sealed (${t.strategy}, ${opened.length} fds, ${keep.length} kept): ${sealed}`;
    if (control) {
      const child = new Set(seenBy(launch, { keep, seal: false }).fds.map((f) => f.fd));
      const leaking = opened.filter((fd) => !t.cloexec.has(fd) || keep.includes(fd));
      const absent = leaking.filter((fd) => !child.has(fd));
      if (absent.length) return `control, seal: false: ${absent.length} non-CLOEXEC fds did not cross, e.g. ${absent.slice(0, 5)}`;
    }
    return null;
  } finally {
    undo();
  }
}

test.group('launch: large ragged fd tables, compared exactly', (group) => {
  let before: number[] = [];
  group.each.setup(() => {
    before = openFds();
  });
  group.each.teardown(() => {
    const after = openFds();
    if (after.some((fd) => !before.includes(fd))) throw new Error(`fds left open: ${after.filter((fd) => !before.includes(fd))}`);
  });

  test(`${RUNS} random tables of 1,000-3,000 fds up to the hard limit, 10-60 keep fds: the child has exactly 0, 1, 2 and the keep fds`, ({ assert }) => {
    const top = ceiling();
    let runs = 0;
    let biggest = 0;
    fc.assert(
      fc.property(tableArb(top), (t) => {
        runs++;
        biggest = Math.max(biggest, t.fds.length);
        const why = holds(t, sealedLaunch, true);
        if (why) throw new Error(why);
      }),
      { numRuns: RUNS },
    );
    assert.equal(runs, RUNS);
    assert.isAtLeast(biggest, 1000);
  }).timeout(300_000);

  for (const variant of ['mutant:forgets-keep', 'mutant:leak-above-1023']) {
    test(`control: the property fails for ${variant}`, ({ assert }) => {
      const property = fc.property(tableArb(ceiling()), (t) => {
        const why = holds(t, variantLaunch(variant), false);
        if (why) throw new Error(why);
      });
      const r = fc.check(property, { numRuns: 3, seed: 11, endOnFailure: true });
      assert.isTrue(r.failed, `${variant} passed`);
      // Failed for the right reason: a child table that differs, not a broken set-up.
      assert.match(String((r.errorInstance as Error | undefined)?.message), /^sealed \(/);
    }).timeout(300_000);
  }

  test('strays at k - 1 and k + 1 of every keep fd are closed in every strategy; seal: false shows them', ({ assert }) => {
    const top = ceiling();
    const keeps = fc.sample(fc.uniqueArray(fc.integer({ min: 4, max: top - 2 }), { minLength: 10, maxLength: 30 }), { numRuns: 4, seed: 3 });
    // The edges that matter most: the first number above the slots, select()'s 1023/1024, the top.
    keeps.push([4, 1023, 1024, 1025, top - 2]);
    for (const keepSet of keeps) {
      const keep = [...keepSet].sort((a, b) => a - b);
      const strays = [...new Set(keep.flatMap((k) => [k - 1, k + 1]))].filter((fd) => fd >= 3 && !keep.includes(fd));
      const t: Table = { fds: [...new Set([...keep, ...strays])].sort((a, b) => a - b), cloexec: new Set(), keep, strategy: 'auto' };
      for (const strategy of strategies()) {
        const why = holds({ ...t, strategy }, sealedLaunch, strategy === 'auto');
        assert.isNull(why, `keep ${JSON.stringify(keep)}: ${why}`);
      }
    }
  }).timeout(300_000);
});

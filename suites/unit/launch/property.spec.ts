/**
 * Property: for random fd plans launched for real, the child's fd table is
 * exactly what the pure model in plan-model.ts predicts from the parent's
 * table — each child fd refers to the parent open file the plan names (by
 * identity DEV:INO:ACC, as the probe reports it), every other fd is absent —
 * and plans the model calls invalid are refused with the same error class,
 * naming the same argument, before anything starts.
 *
 * The parent side is arranged in this very process: fds 0, 1, 2 closed or
 * replaced by pipes of the test's own (CLOEXEC or not), pipes at free low
 * numbers and at >= 1024 as sources, and non-CLOEXEC strays (one >= 1024)
 * that the plan does not mention and a sealed child must never see. The
 * process's own 0, 1, 2 are saved above the test's numbers first and put
 * back after every run, whatever happened in it.
 */
import { test } from '@japa/runner';
import fc from 'fast-check';
import { readFileSync, rmSync } from 'node:fs';
import { LaunchError, launchSync } from '../../../src/launch/index.ts';
import { launchVariantSync } from '../../../src/launch/variants.ts';
import type { CloseStrategy, LaunchOptions, LaunchSyncResult } from '../../../src/launch/types.ts';
import { close, dupAbove, dupTo, getCloexec, getRlimitNofile, isOpen, openFds, pipe, zombieChildren } from '../../../src/native/fdops.ts';
import { describeFd } from '../../../src/probe/describe.ts';
import { parseProbeReport } from '../../../src/probe/parse.ts';
import { probePath } from '../../../src/probe/path.ts';
import { hostAllows, isExpectedAuto, newFds, tempPath } from './helpers.ts';
import { predictChild, tableLines } from './plan-model.ts';
import type { ParentFd, ParentTable, PlanOptions } from './plan-model.ts';

type LowState = 'closed' | 'open' | 'cloexec';
type Strategy = 'auto' | CloseStrategy;

/** A concrete case: the parent's arranged fds and the options handed to the launcher. */
interface Scenario {
  /** What fds 0, 1 and 2 are during the launch. */
  low: LowState[];
  /** Pipes of the test's own at free numbers (some >= 1024), meant as sources. */
  extras: Array<{ fd: number; cloexec: boolean }>;
  /** Non-CLOEXEC pipes the plan is not meant to mention; the last one is >= 1024. */
  strays: number[];
  options: { stdio?: Array<number | null>; keep?: number[]; seal: boolean; closeStrategy: Strategy };
}

/** A source as generated, resolved against the layout once it is known (so shrinking keeps it meaningful). */
type Src = { k: 'extra'; i: number } | { k: 'num'; fd: number } | { k: 'self' } | { k: 'stray'; i: number };

/** Numbers this run may place fds at, found free before the property starts. */
interface Pools {
  extras: number[];
  strayLow: number[];
  strayHigh: number[];
  strategies: Strategy[];
}

const MATERIAL_MIN = 600;
const SAVED_MIN = 400;

function freeNumbers(from: number, to: number, count: number): number[] {
  const open = new Set(openFds());
  const out: number[] = [];
  for (let fd = from; fd < to && out.length < count; fd++) if (!open.has(fd)) out.push(fd);
  if (out.length < count) throw new Error(`only ${out.length} free fd numbers in ${from}..${to}`);
  return out;
}

function pools(): Pools {
  const soft = getRlimitNofile().soft;
  const below = (fd: number): boolean => soft === 'unlimited' || fd < soft;
  const mid = freeNumbers(8, SAVED_MIN, 8);
  const strategies: Strategy[] = ['auto', 'auto', 'auto', 'poll', 'loop'];
  if (hostAllows.closeRange()) strategies.push('close_range');
  if (hostAllows.proc()) strategies.push('proc');
  return {
    extras: [...mid.slice(0, 6), ...[1024, 1025, 1031, 2048].filter(below)],
    strayLow: mid.slice(6),
    strayHigh: [1027, 4099, 19999].filter(below),
    strategies,
  };
}

function scenarioArb(p: Pools): fc.Arbitrary<Scenario> {
  const invalid = fc.constantFrom(-1, 1.5, 2 ** 31).map((fd): Src => ({ k: 'num', fd }));
  const src = fc.oneof(
    { weight: 4, arbitrary: fc.nat(7).map((i): Src => ({ k: 'extra', i })) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 9 }).map((fd): Src => ({ k: 'num', fd })) },
    { weight: 2, arbitrary: fc.constant<Src>({ k: 'self' }) },
    { weight: 1, arbitrary: fc.nat(1).map((i): Src => ({ k: 'stray', i })) },
    { weight: 1, arbitrary: invalid },
  );
  const keepSrc = fc.oneof(
    { weight: 6, arbitrary: fc.nat(7).map((i): Src => ({ k: 'extra', i })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 9 }).map((fd): Src => ({ k: 'num', fd })) },
    { weight: 1, arbitrary: fc.nat(1).map((i): Src => ({ k: 'stray', i })) },
    { weight: 1, arbitrary: invalid },
  );
  const raw = fc.record({
    low: fc.tuple(...[0, 1, 2].map(() => fc.constantFrom<LowState>('open', 'closed', 'cloexec'))),
    extras: fc.uniqueArray(fc.record({ fd: fc.constantFrom(...p.extras), cloexec: fc.boolean() }), { selector: (e) => e.fd, maxLength: 5 }),
    strayLow: fc.constantFrom(...p.strayLow),
    strayHigh: fc.constantFrom(...p.strayHigh),
    stdio: fc.option(fc.array(fc.option(src, { nil: null, freq: 5 }), { maxLength: 8 }), { nil: undefined, freq: 8 }),
    keep: fc.option(fc.array(keepSrc, { maxLength: 3 }), { nil: undefined, freq: 3 }),
    seal: fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    closeStrategy: fc.constantFrom(...p.strategies),
  });
  return raw.map((r): Scenario => {
    const strays = [r.strayLow, r.strayHigh];
    const resolve = (s: Src, slot: number): number => {
      switch (s.k) {
        case 'num': return s.fd;
        case 'self': return slot;
        case 'stray': return strays[s.i % strays.length]!;
        // With no extras in the layout, an extra names a pool number nothing was opened at: not open.
        case 'extra': return r.extras.length ? r.extras[s.i % r.extras.length]!.fd : p.extras[s.i % p.extras.length]!;
      }
    };
    const options: Scenario['options'] = { seal: r.seal, closeStrategy: r.closeStrategy };
    if (r.stdio) options.stdio = r.stdio.map((s, i) => (s === null ? null : resolve(s, i)));
    if (r.keep) options.keep = r.keep.map((s) => resolve(s, -1));
    return { low: [...r.low], extras: r.extras, strays, options };
  });
}

/**
 * DEV:INO:ACC, plus the kind for an anonymous inode. The fingerprint after
 * the kind is left out: for an epoll of another thread of this process (a
 * worker's event loop) it follows that loop's watchers and may change while
 * the property runs. The fds the property opens are pipes, which have none.
 */
const stableIdentity = (identity: string): string => identity.split(':').slice(0, 5).join(':');

/**
 * Every open fd of this process with its close-on-exec flag, and its
 * identity where a plan can make it matter: numbers below 10 (sources,
 * slots), the fds this run opened, and every fd without CLOEXEC (an unsealed
 * child gets those). The rest of this process's fds are CLOEXEC and no plan
 * names them: "ambient" stands for them, which keeps each run cheap.
 */
function snapshot(opened: readonly number[]): Map<number, ParentFd> {
  const table = new Map<number, ParentFd>();
  for (const fd of openFds()) {
    try {
      const cloexec = getCloexec(fd);
      const identity = fd < 10 || !cloexec || opened.includes(fd) ? stableIdentity(describeFd(fd).identity) : `ambient:${fd}`;
      table.set(fd, { identity, cloexec });
    } catch {
      /* closed meanwhile by another thread of this process: not part of the parent the child can see */
    }
  }
  return table;
}

/** This process's own 0, 1, 2, kept CLOEXEC far above the numbers the runs use, to be put back. */
interface SavedStdio {
  copies: Array<{ copy: number; cloexec: boolean } | null>;
  restore(): void;
  release(): void;
}

function saveStdio(): SavedStdio {
  const copies = [0, 1, 2].map((fd) => (isOpen(fd) ? { copy: dupAbove(fd, SAVED_MIN, true), cloexec: getCloexec(fd) } : null));
  return {
    copies,
    restore() {
      for (const [fd, saved] of copies.entries()) {
        if (isOpen(fd)) close(fd);
        if (saved) dupTo(saved.copy, fd, saved.cloexec);
      }
    },
    release() {
      for (const saved of copies) if (saved) close(saved.copy);
    },
  };
}

/** Puts a fresh pipe end at exactly `target`; the pipe's temporary numbers are freed before, so they never sit on a target. */
function placePipe(target: number, cloexec: boolean, readEnd: boolean): void {
  if (isOpen(target)) throw new Error(`set-up: fd ${target} is already open in this process`);
  const [r, w] = pipe(true);
  const high = dupAbove(readEnd ? r : w, MATERIAL_MIN, true);
  close(r);
  close(w);
  try {
    dupTo(high, target, cloexec);
  } finally {
    close(high);
  }
}

/** Arranges the parent as the scenario says; returns the numbers it opened (0, 1, 2 included). */
function arrange(s: Scenario): number[] {
  const opened: number[] = [];
  for (const fd of [0, 1, 2]) if (isOpen(fd)) close(fd);
  const place = (fd: number, cloexec: boolean): void => {
    placePipe(fd, cloexec, opened.length % 2 === 0);
    opened.push(fd);
  };
  for (const [fd, state] of s.low.entries()) if (state !== 'closed') place(fd, state === 'cloexec');
  for (const e of s.extras) place(e.fd, e.cloexec);
  for (const fd of s.strays) place(fd, false);
  return opened;
}

type Launch = (file: string, args: string[], options: LaunchOptions) => LaunchSyncResult;

/** Launches the probe with the scenario's options and returns its fd table (fd → identity), or what was thrown. */
function launchProbe(launch: Launch, options: LaunchOptions): { result: LaunchSyncResult; child: Map<number, string> } | { error: unknown } {
  const report = tempPath('property-probe.json');
  try {
    const result = launch(probePath(), ['--report', report], options);
    if (result.code !== 0) throw new Error(`the probe exited with code ${result.code}, signal ${result.signal}`);
    const fds = parseProbeReport(readFileSync(report, 'utf8'), report).fds;
    return { result, child: new Map(fds.map((f) => [f.fd, stableIdentity(f.identity)])) };
  } catch (error) {
    return { error };
  } finally {
    rmSync(report, { force: true });
  }
}

const show = (v: unknown): string => JSON.stringify(v);

/**
 * One run: arrange, snapshot, predict, launch, compare; the parent is put
 * back before returning or throwing. Throws (an Error naming the mismatch)
 * when the launcher and the model disagree.
 */
function checkScenario(s: Scenario, stdio: SavedStdio, launch: Launch, core: boolean): void {
  let opened: number[] = [];
  try {
    opened = arrange(s);
    const before = snapshot(opened);
    const plan: PlanOptions = { seal: s.options.seal };
    if (s.options.stdio) plan.stdio = s.options.stdio;
    if (s.options.keep) plan.keep = s.options.keep;
    const predicted = predictChild(before as ParentTable, plan);
    const got = launchProbe(launch, s.options as LaunchOptions);

    if (predicted.refused) {
      if (!('error' in got)) throw new Error(`expected a ${predicted.refused} naming ${predicted.arg}; the launch went ahead`);
      const e = got.error;
      const cls = e instanceof RangeError ? 'RangeError' : e instanceof TypeError ? 'TypeError' : (e as Error)?.name;
      if (cls !== predicted.refused || !(e as Error).message.includes(predicted.arg)) {
        throw new Error(`expected a ${predicted.refused} naming ${predicted.arg}, got ${cls}: ${(e as Error)?.message}`);
      }
    } else {
      if ('error' in got) {
        const e = got.error as Error & { code?: string; syscall?: string };
        const what = e instanceof LaunchError ? `LaunchError ${e.code} at ${e.syscall}` : (e?.name ?? 'error');
        throw new Error(`expected a child, got ${what}: ${e?.message}`);
      }
      const want = tableLines(predicted.child);
      const seen = tableLines(got.child);
      if (show(want) !== show(seen)) {
        const missing = want.filter((l) => !seen.includes(l));
        const extra = seen.filter((l) => !want.includes(l));
        throw new Error(`child fd table differs from the model: missing ${show(missing)}, unexpected ${show(extra)}`);
      }
      if (s.options.seal) {
        // Stated on its own as well: a stray the plan does not name reaches a sealed child under no number.
        const named = new Set([...(s.options.stdio ?? [0, 1, 2]), ...(s.options.keep ?? [])]);
        for (const stray of s.strays) {
          const id = before.get(stray)?.identity;
          if (!named.has(stray) && [...got.child.values()].includes(id ?? '')) throw new Error(`stray fd ${stray} (${id}) crossed into a sealed child`);
        }
      }
      if (core) {
        const strategy = got.result.closeStrategy;
        const ok = !s.options.seal ? strategy === null
          : s.options.closeStrategy === 'auto' ? isExpectedAuto(strategy) : strategy === s.options.closeStrategy;
        if (!ok) throw new Error(`closeStrategy ${strategy} for seal ${s.options.seal}, requested ${s.options.closeStrategy}`);
      }
    }
    // The launch changes nothing in the parent: same fds, same files, same CLOEXEC flags — among the
    // numbers plans touch (other threads of this process may open and close fds of their own meanwhile).
    const after = snapshot(opened);
    const touched = (fd: number): boolean => fd < 10 || opened.includes(fd);
    const diff = [...new Set([...before.keys(), ...after.keys()])].filter((fd) => touched(fd) && show(before.get(fd)) !== show(after.get(fd)));
    if (diff.length) throw new Error(`the parent's fd table changed at ${show(diff.map((fd) => [fd, before.get(fd), after.get(fd)]))}`);
  } finally {
    for (const fd of opened) if (fd > 2 && isOpen(fd)) close(fd);
    stdio.restore();
  }
}

/** The parent's own stdio as it must be again after the property: identity and CLOEXEC of 0, 1, 2. */
function stdioState(): string {
  return show([0, 1, 2].map((fd) => (isOpen(fd) ? [describeFd(fd).identity, getCloexec(fd)] : null)));
}

const NUM_RUNS = 500;

test.group('launch fd plans: property against the model', () => {
  test(`${NUM_RUNS} random plans: the child's fd table is the model's, invalid plans are refused`, ({ assert }) => {
    const fdsBefore = openFds();
    const stdioBefore = stdioState();
    const stdio = saveStdio();
    const counts = { runs: 0, unsealed: 0 };
    try {
      const p = pools();
      fc.assert(
        fc.property(scenarioArb(p), (s) => {
          counts.runs++;
          checkScenario(s, stdio, launchSync, true);
          if (!s.options.seal) counts.unsealed++;
        }),
        { numRuns: NUM_RUNS },
      );
    } finally {
      stdio.restore();
      stdio.release();
    }
    assert.equal(stdioState(), stdioBefore, "this process's fds 0, 1, 2 are back as they were");
    const fdsAfter = openFds();
    assert.deepEqual(newFds({ fds: fdsBefore }, { fds: fdsAfter }), [], 'no fd left open in the parent');
    // Below 10 every plan reaches (and this process's own fds live there): exactly as before, none closed either.
    assert.deepEqual(fdsAfter.filter((fd) => fd < 10), fdsBefore.filter((fd) => fd < 10));
    assert.deepEqual(zombieChildren(), [], 'no child left unreaped');
    assert.isAtLeast(counts.runs, NUM_RUNS);
    assert.isAbove(counts.unsealed, 0);
  }).timeout(180_000);

  test('the generator reaches every kind of case it claims', ({ assert }) => {
    // Without this, a generator that never made (say) a refused plan would pass the property vacuously.
    const tally = { refused: 0, typeError: 0, closedLow: 0, ownSlot: 0, duplicate: 0, cloexecSource: 0, keep: 0, unsealed: 0, empty: 0, defaultStdio: 0, highSource: 0 };
    const p = pools();
    for (const s of fc.sample(scenarioArb(p), { numRuns: NUM_RUNS, seed: 42 })) {
      const stdioPlan = s.options.stdio;
      const cloexecAt = new Set([...s.extras.filter((e) => e.cloexec).map((e) => e.fd), ...s.low.flatMap((st, fd) => (st === 'cloexec' ? [fd] : []))]);
      // Only the layout decides validity: a table of which numbers would be open (the rest of this process counted as open).
      const table = new Map<number, ParentFd>();
      for (const fd of openFds()) table.set(fd, { identity: `ambient:${fd}`, cloexec: true });
      for (const fd of [0, 1, 2]) table.delete(fd);
      s.low.forEach((st, fd) => st !== 'closed' && table.set(fd, { identity: `low:${fd}`, cloexec: st === 'cloexec' }));
      for (const e of s.extras) table.set(e.fd, { identity: `extra:${e.fd}`, cloexec: e.cloexec });
      for (const fd of s.strays) table.set(fd, { identity: `stray:${fd}`, cloexec: false });
      const pred = predictChild(table, { ...(stdioPlan ? { stdio: stdioPlan } : {}), ...(s.options.keep ? { keep: s.options.keep } : {}), seal: s.options.seal });
      if (pred.refused) tally.refused++;
      if (pred.refused === 'TypeError') tally.typeError++;
      if (s.low.includes('closed')) tally.closedLow++;
      if (stdioPlan === undefined) tally.defaultStdio++;
      if (stdioPlan?.length === 0) tally.empty++;
      if (stdioPlan?.some((fd, i) => fd === i)) tally.ownSlot++;
      const srcs = (stdioPlan ?? []).filter((fd) => fd !== null);
      if (new Set(srcs).size < srcs.length) tally.duplicate++;
      if (!pred.refused && srcs.some((fd) => cloexecAt.has(fd as number))) tally.cloexecSource++;
      if (!pred.refused && srcs.some((fd) => (fd as number) >= 1024)) tally.highSource++;
      if (!pred.refused && (s.options.keep?.length ?? 0) > 0) tally.keep++;
      if (!pred.refused && !s.options.seal) tally.unsealed++;
    }
    for (const [kind, n] of Object.entries(tally)) assert.isAtLeast(n, 5, `${kind} cases among ${NUM_RUNS}`);
    assert.isBelow(tally.refused, NUM_RUNS / 2, 'most plans are valid and launched');
  });

  test('the model on known cases (swap, F1 shape, keep collision, unsealed strays)', ({ assert }) => {
    const t = new Map<number, ParentFd>([
      [0, { identity: 'A', cloexec: false }],
      [1, { identity: 'B', cloexec: true }],
      [2, { identity: 'C', cloexec: false }],
      [50, { identity: 'D', cloexec: false }],
      [1500, { identity: 'E', cloexec: false }],
      [60, { identity: 'F', cloexec: true }],
    ]);
    const child = (o: PlanOptions): string[] => {
      const p = predictChild(t, o);
      return p.refused ? [`${p.refused} ${p.arg}`] : tableLines(p.child);
    };
    assert.deepEqual(child({ stdio: [2, 1, 0] }), ['0=C', '1=B', '2=A']);
    assert.deepEqual(child({ stdio: [null, 0, 2] }), ['1=A', '2=C']);
    assert.deepEqual(child({ stdio: [0, 1], keep: [1] }), ['RangeError options.keep[0]']);
    assert.deepEqual(child({ stdio: [0, 7] }), ['RangeError options.stdio[1]']);
    assert.deepEqual(child({ stdio: [1.5] }), ['TypeError options.stdio[0]']);
    assert.deepEqual(child({ stdio: [0], seal: false }), ['0=A', '2=C', '50=D', '1500=E']);
    assert.deepEqual(child({ stdio: [60], keep: [60], seal: true }), ['0=F', '60=F']);
    const closed = new Map([...t].filter(([fd]) => fd !== 0));
    const p = predictChild(closed, {});
    assert.deepEqual(p.refused ? [] : tableLines(p.child), ['1=B', '2=C'], 'a closed 0 stays closed under the default stdio');
  });

  // Negative controls: the same property against launchers with known fd-plan flaws must fail, with a shrunk counterexample.
  for (const variant of ['mutant:naive-dup', 'mutant:forgets-keep', 'mutant:low-renumber', 'mutant:leak-above-1023']) {
    test(`control: the property fails for ${variant}`, ({ assert }) => {
      const fdsBefore = openFds();
      const stdioBefore = stdioState();
      const stdio = saveStdio();
      let report = '';
      let failed = false;
      try {
        const launch: Launch = (file, args, options) => launchVariantSync(variant, file, args, options);
        const r = fc.check(fc.property(scenarioArb(pools()), (s) => checkScenario(s, stdio, launch, false)), { numRuns: NUM_RUNS, seed: 7 });
        failed = r.failed;
        report = fc.defaultReportMessage(r) ?? '';
      } finally {
        stdio.restore();
        stdio.release();
      }
      assert.isTrue(failed, `${variant} passed ${NUM_RUNS} runs`);
      assert.match(report, /Counterexample: /);
      assert.match(report, /Shrunk \d+ time/);
      assert.equal(stdioState(), stdioBefore);
      assert.deepEqual(newFds({ fds: fdsBefore }, { fds: openFds() }), []);
      assert.deepEqual(zombieChildren(), [], 'no child left unreaped');
    }).timeout(180_000);
  }
});

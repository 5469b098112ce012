/**
 * Sealing: non-CLOEXEC fds at low numbers, at >= 1024 and above the soft
 * limit in force never reach a sealed child, with the default and with each
 * forced strategy; `seal: false` shows every one of them (the control). Then
 * the same under kernel personalities that refuse close_range and the
 * syscalls the fallbacks use.
 */
import { test } from '@japa/runner';
import { existsSync } from 'node:fs';
import { launchSync } from '../../../src/launch/index.ts';
import { CLOSE_STRATEGIES } from '../../../src/launch/types.ts';
import type { CloseStrategy } from '../../../src/launch/types.ts';
import { close, dupTo, getRlimitNofile, pipe, setRlimitNofile } from '../../../src/native/fdops.ts';
import { nativeOutDir } from '../../../src/native/paths.ts';
import { fdNumbers, hostAllows, isExpectedAuto, runFixture, see } from './helpers.ts';
import { LaunchError } from '../../../src/launch/index.ts';
import type { FixtureResult } from './helpers.ts';
import { kernelAvailability } from '../../../src/kernels/wrapper.ts';
import type { KernelId } from '../../../src/kernels/types.ts';

const HIGH = 1500;

/** Opens non-CLOEXEC baits at 5-ish, 1500 and hard-1, lowers the soft limit below the top one; returns cleanup. */
function openBaits(): { fds: number[]; undo: () => void } {
  const lim = getRlimitNofile();
  const hard = typeof lim.hard === 'number' ? lim.hard : 20000;
  const top = hard - 1;
  const [r, w] = pipe(false);
  const fds = [r, w, dupTo(r, HIGH, false), dupTo(r, top, false)];
  setRlimitNofile(Math.min(4096, hard), lim.hard);
  return {
    fds,
    undo: () => {
      setRlimitNofile(lim.soft, lim.hard);
      for (const fd of fds) close(fd);
    },
  };
}

test.group('launch sealing', () => {
  test('launchSync("/bin/true") seals with close_range (where the kernel has it) and exits 0', ({ assert }) => {
    const r = launchSync('/bin/true', []);
    assert.equal(r.code, 0);
    assert.isNull(r.signal);
    assert.isTrue(isExpectedAuto(r.closeStrategy), `auto reported ${r.closeStrategy}`);
  });

  for (const strategy of ['auto', ...CLOSE_STRATEGIES] as const) {
    test(`closeStrategy ${strategy}: baits low, at ${HIGH} and above the soft limit stay out`, ({ assert }) => {
      const baits = openBaits();
      try {
        const top = baits.fds[3]!;
        assert.isAbove(top, Number(getRlimitNofile().soft), 'the top bait sits above the soft limit in force');
        const refused = (strategy === 'close_range' && !hostAllows.closeRange()) || (strategy === 'proc' && !hostAllows.proc());
        if (refused) {
          // Refused here (the suite runs under a kernel personality): a forced strategy fails, never seals partly.
          assert.throws(() => see({ closeStrategy: strategy }), LaunchError);
          return;
        }
        const { seen, result } = see({ closeStrategy: strategy });
        assert.deepEqual(fdNumbers(seen), [0, 1, 2]);
        if (strategy === 'auto') assert.isTrue(isExpectedAuto(result.closeStrategy), `auto reported ${result.closeStrategy}`);
        else assert.equal(result.closeStrategy, strategy);
      } finally {
        baits.undo();
      }
    });
  }

  test('seal: false shows every bait (the control)', ({ assert }) => {
    const baits = openBaits();
    try {
      const { seen, result } = see({ seal: false });
      for (const fd of baits.fds) assert.include(fdNumbers(seen), fd, `bait ${fd} crossed`);
      assert.isNull(result.closeStrategy);
    } finally {
      baits.undo();
    }
  });
});

const wrapper = `${nativeOutDir}/fdaudit-kernel`;
const BAITS = [HIGH, 19999];

/** Sealed child per strategy, plus the seal: false control, under a kernel personality. */
function underKernel(args: string[]): FixtureResult {
  const launches = [
    { options: {} },
    ...CLOSE_STRATEGIES.map((s) => ({ options: { closeStrategy: s } })),
    { options: { seal: false } },
  ];
  return runFixture({ baits: BAITS, lowBait: true, lowerSoftTo: 4096, launches }, [wrapper, ...args, '--']);
}

const personalities: Array<{ name: string; args: string[]; refused: CloseStrategy[] }> = [
  { name: 'linux-5.8 (close_range ENOSYS)', args: ['--as', 'linux-5.8'], refused: ['close_range'] },
  { name: 'container-eperm (close_range EPERM)', args: ['--as', 'container-eperm'], refused: ['close_range'] },
  { name: 'linux-5.10 (CLOSE_RANGE_CLOEXEC EINVAL)', args: ['--as', 'linux-5.10'], refused: [] },
  { name: 'no-proc', args: ['--as', 'no-proc'], refused: ['proc'] },
  { name: 'linux-5.8+no-proc', args: ['--as', 'linux-5.8+no-proc'], refused: ['close_range', 'proc'] },
  {
    name: 'close_range EINVAL, poll/ppoll/getdents64 EPERM, /proc hidden',
    args: ['--as', 'no-proc', '--deny', 'close_range=EINVAL', '--deny', 'poll=EPERM', '--deny', 'ppoll=EPERM', '--deny', 'getdents64=EPERM'],
    refused: ['close_range', 'proc', 'poll'],
  },
  {
    // No way left to measure the fd table: the loop runs to the nr_open bound, slow but complete.
    name: 'also select and pselect6 refused (last resort)',
    args: ['--as', 'linux-5.8+no-proc', '--deny', 'poll=EPERM', '--deny', 'ppoll=EPERM', '--deny', 'getdents64=EPERM', '--deny', 'select=EPERM', '--deny', 'pselect6=EPERM'],
    refused: ['close_range', 'proc', 'poll'],
  },
];

test.group('launch sealing under kernel personalities', (group) => {
  group.each.setup(() => {
    if (!existsSync(wrapper)) throw new Error(`${wrapper} is missing: build the native parts first`);
  });

  for (const p of personalities) {
    test(`${p.name}: sealed children see 0, 1, 2; seal: false sees the baits`, ({ assert }) => {
      // A personality the whole suite runs under (seccomp stacks) refuses on top of this one.
      const refused = [...p.refused];
      if (!hostAllows.closeRange() && !refused.includes('close_range')) refused.push('close_range');
      if (!hostAllows.proc() && !refused.includes('proc')) refused.push('proc');
      const r = underKernel(p.args);
      const [auto, ...rest] = r.launches;
      const control = rest.pop()!;
      assert.isUndefined(auto!.error, auto!.error?.message);
      assert.deepEqual(fdNumbers(auto!.seen!), [0, 1, 2], 'auto seals completely');
      const autoStrategy = auto!.result!.closeStrategy;
      assert.isNotNull(autoStrategy);
      assert.notInclude(refused, autoStrategy!, 'auto reports a strategy the kernel allowed');
      CLOSE_STRATEGIES.forEach((s, i) => {
        const l = rest[i]!;
        if (refused.includes(s)) {
          assert.equal(l.error?.name, 'LaunchError', `forced ${s} fails when refused, never seals partly`);
          assert.include(['close_range', 'close'], l.error!.syscall!);
        } else {
          assert.isUndefined(l.error, l.error?.message);
          assert.deepEqual(fdNumbers(l.seen!), [0, 1, 2], `forced ${s}`);
          assert.equal(l.result!.closeStrategy, s);
        }
      });
      assert.isUndefined(control!.error);
      assert.lengthOf(r.baits, 4);
      for (const b of r.baits) assert.include(fdNumbers(control!.seen!), b, `control: bait ${b} crossed`);
      assert.isBelow(Number(r.soft), 19999, 'the 19999 bait was above the soft limit');
    })
      .skip(() => kernelAvailability(p.args[1] as KernelId) !== null, `the ${p.args[1]} personality is unavailable here (fdaudit kernels ${p.args[1]} says why)`)
      .timeout(120_000);
  }
});

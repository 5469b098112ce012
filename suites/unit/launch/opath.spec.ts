/**
 * O_PATH fds: poll() answers POLLNVAL for an open O_PATH fd as for a closed
 * number, so a poll sweep that trusts POLLNVAL leaves it open in the child.
 * A non-CLOEXEC O_PATH fd at 1600 must not cross with closeStrategy 'poll',
 * nor in auto mode where close_range is refused (linux-5.8, container-eperm,
 * linux-5.8+no-proc). The controls: seal: false and
 * mutant:fd-setsize-fallback (a fallback that stops at 1024) show the same
 * fd crossing, so the harness can see it.
 */
import { test } from '@japa/runner';
import { launchVariantSync } from '../../../src/launch/variants.ts';
import { CLOSE_STRATEGIES } from '../../../src/launch/types.ts';
import { close, dupTo, open } from '../../../src/native/fdops.ts';
import { fdlistPath, fdNumbers, hostAllows, runEdge, see, tempPath, underKernel } from './helpers.ts';
import { readFileSync, rmSync } from 'node:fs';
import type { Seen } from './helpers.ts';

const AT = 1600;

/** A non-CLOEXEC O_PATH fd of "/" at `at`; returns its closer. */
function opathBait(at: number): () => void {
  const fd = open('/', 'path', true);
  const bait = dupTo(fd, at, false);
  close(fd);
  return () => close(bait);
}

function seeVariant(variant: string, options: Parameters<typeof see>[0]): Seen {
  const out = tempPath('opath-variant.json');
  try {
    const r = launchVariantSync(variant, fdlistPath(), [out], options);
    if (r.code !== 0) throw new Error(`${variant}: fdaudit-fdlist exited ${r.code} ${r.signal}`);
    return JSON.parse(readFileSync(out, 'utf8')) as Seen;
  } finally {
    rmSync(out, { force: true });
  }
}

test.group('O_PATH fds: sealed in every strategy', () => {
  for (const strategy of ['auto', ...CLOSE_STRATEGIES] as const) {
    const refused = (strategy === 'close_range' && !hostAllows.closeRange()) || (strategy === 'proc' && !hostAllows.proc());
    test(`closeStrategy ${strategy}: a non-CLOEXEC O_PATH fd at ${AT} does not cross`, ({ assert }) => {
      const undo = opathBait(AT);
      try {
        const { seen, result } = see({ closeStrategy: strategy });
        assert.deepEqual(fdNumbers(seen), [0, 1, 2]);
        if (strategy !== 'auto') assert.equal(result.closeStrategy, strategy);
      } finally {
        undo();
      }
    }).skip(refused, `closeStrategy ${strategy} is refused by the kernel this suite runs under`);
  }

  test(`controls: seal: false and mutant:fd-setsize-fallback (poll) show the O_PATH fd at ${AT}`, ({ assert }) => {
    const undo = opathBait(AT);
    try {
      assert.include(fdNumbers(see({ seal: false }).seen), AT, 'seal: false');
      assert.include(fdNumbers(seeVariant('mutant:fd-setsize-fallback', { closeStrategy: 'poll' })), AT, 'fd-setsize-fallback');
      // The fdlist child lists fds with fcntl, which sees O_PATH: what it reports is what crossed.
      assert.deepEqual(fdNumbers(seeVariant('mutant:fd-setsize-fallback', {})), hostAllows.closeRange() ? [0, 1, 2] : [0, 1, 2, AT]);
    } finally {
      undo();
    }
  });
});

test.group('O_PATH fds: sealed in auto mode where close_range is refused', () => {
  for (const kernel of ['linux-5.8', 'container-eperm', 'linux-5.8+no-proc']) {
    test(`${kernel}: auto and poll leave the O_PATH fd at ${AT} out; seal: false and the mutant show it`, ({ assert }) => {
      const r = runEdge({
        opathAt: [AT],
        launches: [
          { options: {} },
          { options: { closeStrategy: 'poll' } },
          { options: { closeStrategy: 'loop' } },
          { options: { seal: false } },
          { variant: 'mutant:fd-setsize-fallback', options: {} },
        ],
      }, underKernel(kernel));
      assert.deepEqual(r.opath, [AT]);
      const [auto, poll, loop, unsealed, mutant] = r.launches;
      for (const [name, o] of [['auto', auto], ['poll', poll], ['loop', loop]] as const) {
        assert.isUndefined(o?.error, `${name}: ${o?.error?.message}`);
        assert.deepEqual(fdNumbers(o!.seen!), [0, 1, 2], `${name} under ${kernel}`);
      }
      assert.notEqual(auto?.ok?.closeStrategy, 'close_range', 'auto fell back');
      assert.include(fdNumbers(unsealed!.seen!), AT, 'control: seal: false');
      assert.include(fdNumbers(mutant!.seen!), AT, 'control: mutant:fd-setsize-fallback');
    }).timeout(120_000);
  }
});

/**
 * Exposing scenarios: the parent state in which a mutant's flaw shows. Each is entered right before
 * the launch and restored right after it (also on failure), so the process is left as it was.
 */
import { applySignalState, close, dupAbove, dupTo, getRlimitNofile, isOpen, setRlimitNofile } from '../native/fdops.ts';
import { closeRangeFails, isKernelId } from '../kernels/personalities.ts';
import type { Scenario, ScenarioSetup } from './types.ts';

/** FD_SETSIZE: the soft limit a careful launcher gives its child. */
export const FD_SETSIZE = 1024;

/** Whether close_range itself fails under this personality, so a fallback runs without being forced. */
function closeRangeFailsUnder(kernel: string): boolean {
  return isKernelId(kernel) && closeRangeFails(kernel);
}

/**
 * The parent's stdin is closed while the child is created, and the plan leaves slot 0 closed
 * (stdio [null, out, out]). A source saved with plain dup() then lands on fd 0, inside the plan,
 * and is closed or overwritten before it is used (F1); closing slot 0 that is not open fails (F2).
 */
export const stdinClosed: Scenario = {
  id: 'stdin-closed',
  description: 'parent fd 0 closed during the spawn, plan [null, out, out]',
  enter(): ScenarioSetup {
    let saved = -1;
    let pending = false;
    const putBack = (): boolean => {
      if (isOpen(0)) return false;
      dupTo(saved, 0, false);
      close(saved);
      saved = -1;
      pending = false;
      return true;
    };
    return {
      applied: 'parent stdin closed, stdio plan [null, out, out]',
      context: {
        stdinClosed: true,
        // fd 0 is closed only for the synchronous call that creates the child, so nothing else can
        // open a file meanwhile and take the number.
        aroundSpawn<T>(spawn: () => T): T {
          if (!isOpen(0)) return spawn();
          saved = dupAbove(0, 10, true);
          close(0);
          pending = true;
          try {
            return spawn();
          } finally {
            // An fd the launch itself opened (its exit watch) may now hold number 0: then stdin goes
            // back once that fd is closed again, in restore().
            putBack();
          }
        },
      },
      async restore() {
        // The launch core closes its watch fd right after delivering the exit: a few turns of the
        // event loop at most.
        for (let i = 0; pending && i < 100; i++) {
          if (putBack()) return;
          await new Promise((r) => setTimeout(r, i < 10 ? 0 : 10));
        }
        if (pending) {
          const stdin = saved;
          throw new Error(`the stdin-closed scenario could not put stdin back on fd 0: fd 0 is held by another open file (stdin kept at fd ${stdin})`);
        }
      },
    };
  },
};

/**
 * On the host kernel close_range works, so the fallback is forced by strategy. Under a personality
 * where close_range fails the launcher runs unforced: the kernel itself exposes the fallback.
 */
export const forcedFallback: Scenario = {
  id: 'forced-fallback',
  description: 'close strategy forced to a fallback (loop) unless the kernel personality already makes close_range fail',
  enter({ kernel }): ScenarioSetup {
    if (closeRangeFailsUnder(kernel)) {
      return { applied: `unforced: close_range fails under ${kernel}`, context: {}, restore() {} };
    }
    return { applied: 'close strategy forced to loop', context: { closeStrategy: 'loop' }, restore() {} };
  },
};

/**
 * A soft limit "far raised" the way Node raises it at start-up (to the hard limit): above 4096, the
 * most a launcher may take for an accidental raise. A Node process already is in this state (the
 * above-soft-limit bait keeps it just below the hard limit), so then nothing changes; otherwise the
 * soft limit is raised to the hard limit (65536 when unlimited).
 */
export const FAR_RAISED = 4096;

export const raisedSoftLimit: Scenario = {
  id: 'raised-soft-limit',
  description: 'parent soft RLIMIT_NOFILE far above 1024, as Node raises it',
  enter(): ScenarioSetup {
    const before = getRlimitNofile();
    if (before.soft === 'unlimited' || before.soft > FAR_RAISED) {
      return { applied: `parent soft limit ${before.soft}`, context: {}, restore() {} };
    }
    const target = before.hard === 'unlimited' ? 65536 : before.hard;
    if (target <= FD_SETSIZE) {
      return { applied: `hard limit ${before.hard} <= 1024: the soft limit cannot be raised above 1024`, context: {}, restore() {} };
    }
    setRlimitNofile(target, before.hard);
    let done = false;
    return {
      applied: `parent soft limit raised to ${target}`,
      context: {},
      restore() {
        if (done) return;
        done = true;
        setRlimitNofile(before.soft, before.hard);
      },
    };
  },
};

/** Soft RLIMIT_NOFILE below FD_SETSIZE in the parent: a careful launcher leaves it, never raises it. */
export const loweredSoftLimit: Scenario = {
  id: 'lowered-soft-limit',
  description: 'parent soft RLIMIT_NOFILE below 1024 (512)',
  enter(): ScenarioSetup {
    const before = getRlimitNofile();
    setRlimitNofile(512, before.hard);
    let done = false;
    return {
      applied: 'parent soft limit lowered to 512',
      context: {},
      restore() {
        if (done) return;
        done = true;
        setRlimitNofile(before.soft, before.hard);
      },
    };
  },
};

/** SIGUSR1 blocked in the launching thread and SIGUSR2 ignored while the child is created. */
export const blockedAndIgnoredSignals: Scenario = {
  id: 'blocked-and-ignored-signals',
  description: 'SIGUSR1 blocked in the launching thread, SIGUSR2 ignored',
  enter(): ScenarioSetup {
    const restore = applySignalState({ blocked: ['SIGUSR1'], ignored: ['SIGUSR2'] });
    return { applied: 'SIGUSR1 blocked, SIGUSR2 ignored in the parent', context: {}, restore };
  },
};

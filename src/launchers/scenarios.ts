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
    return {
      applied: 'parent stdin closed, stdio plan [null, out, out]',
      context: {
        stdinClosed: true,
        // fd 0 is closed only for the synchronous call that creates the child: nothing else can
        // open a file meanwhile and take the number.
        aroundSpawn<T>(spawn: () => T): T {
          const wasOpen = isOpen(0);
          const saved = wasOpen ? dupAbove(0, 10, true) : -1;
          if (wasOpen) close(0);
          try {
            return spawn();
          } finally {
            if (wasOpen) {
              if (isOpen(0)) close(0); // should not happen; the original must come back
              dupTo(saved, 0, false);
              close(saved);
            }
          }
        },
      },
      restore() {},
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
 * Soft RLIMIT_NOFILE raised the way Node raises it at start-up: to the hard limit (capped at 65536
 * when unlimited). Already so in a Node process; ensured here so that the scenario holds anywhere.
 */
export const raisedSoftLimit: Scenario = {
  id: 'raised-soft-limit',
  description: 'parent soft RLIMIT_NOFILE raised to the hard limit, as Node does',
  enter(): ScenarioSetup {
    const before = getRlimitNofile();
    const target = before.hard === 'unlimited' ? 65536 : before.hard;
    if (before.soft === 'unlimited' || before.soft >= target) {
      return { applied: `parent soft limit ${before.soft} (hard ${before.hard})`, context: {}, restore() {} };
    }
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

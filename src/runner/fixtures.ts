/**
 * Fixtures in the japa test context: a spec names what it needs in its callback's first argument
 * (`async ({ audit, assert }) => …`) and gets it set up, and taken down after the test.
 *
 *   audit(launcher, { baits?, fresh? })  the launcher's audit result under this process's kernel:
 *                                        baits opened, the launcher run, everything closed again;
 *                                        shared by every test of the run that asks for the same one
 *   baits(kinds?)                        a bait set opened in this process, closed after the test
 *   kernel                               the kernel personality this process runs under
 *   fdaudit                              the run's options (selection, user launchers, grep)
 */
import { Test, TestContext } from '@japa/runner/core';
import type { AuditResult } from '../audit/types.ts';
import { openBaits } from '../bait/open.ts';
import type { BaitKind, BaitSet } from '../bait/types.ts';
import { auditCached, effectiveBaits, type AuditRequest } from './cache.ts';
import { clearMark, markTest } from './marks.ts';
import { runState, type RunOptions } from './state.ts';

export type AuditFixture = (launcher: string, request?: AuditRequest) => Promise<AuditResult>;
export type BaitsFixture = (kinds?: readonly BaitKind[]) => BaitSet;

declare module '@japa/runner/core' {
  interface TestContext {
    /** Audits a launcher (cached per launcher and kernel for the run) and returns its result. */
    audit: AuditFixture;
    /** Opens baits in this process for the test; they are closed when the test ends. */
    baits: BaitsFixture;
    /** Kernel personality of this process ('host' unless a matrix worker runs under another). */
    kernel: string;
    /** Options of the run (selection, user launchers, grep). */
    fdaudit: Readonly<RunOptions>;
  }
}

let installed = false;

/** Adds the fixtures to every japa test context (idempotent; importing the runner does it). */
export function installFixtures(): void {
  if (installed) return;
  installed = true;

  TestContext.getter(
    'audit',
    function (this: TestContext): AuditFixture {
      return async (launcher, request) => {
        markTest({ launcher, kernel: runState().options.kernel });
        return auditCached(launcher, request);
      };
    },
    true,
  );

  TestContext.getter(
    'baits',
    function (this: TestContext): BaitsFixture {
      const ctx = this;
      return (kinds) => {
        const set = openBaits(effectiveBaits(kinds));
        ctx.cleanup(() => set.close());
        return set;
      };
    },
    true,
  );

  TestContext.getter('kernel', () => runState().options.kernel);
  TestContext.getter('fdaudit', () => runState().options);

  // Dataset rows share one test object: each row starts with a clean note of what it touched.
  Test.executing((t) => clearMark(t.options.meta as Record<string, unknown>));
}

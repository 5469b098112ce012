/**
 * Audit assertions on @japa/assert's Assert: `assert.sealed(result)`, `assert.leaks(result, ['pipe'])`,
 * `assert.softLimitAtMost(result, 1024)` … Each failure is one line naming the launcher, the bait kind,
 * its fd in parent and child, the target and the kernel (see messages.ts).
 *
 * A result that could not be judged here because its launcher or personality is unavailable (`skipped`)
 * fails nothing: the test is recorded as skipped with the reason, and so is a bait assertion on a kind
 * the kernel or sandbox refused to open here (a skipped bait). A result with status `error` fails every
 * assertion but `status(result, 'error')`.
 */
import { Assert } from '@japa/assert';
import type { AuditResult, AuditStatus, BaitVerdict } from '../audit/types.ts';
import { BAIT_KINDS, type BaitKind } from '../bait/types.ts';
import { markTest } from './marks.ts';
import {
  extraFdMessage,
  FD_SETSIZE,
  kernelTag,
  leakedMessage,
  notCrossedMessage,
  sealFindings,
  signalsMessage,
  softLimitMessage,
  statusMessage,
  unjudgedMessage,
} from './messages.ts';
import { runState } from './state.ts';

declare module '@japa/assert' {
  interface Assert {
    /** Nothing expected absent crossed, nothing that is no bait reached the child, and the audit ran. */
    sealed(result: AuditResult): void;
    /** Every bait of each kind crossed into the child. */
    leaks(result: AuditResult, kinds: readonly BaitKind[]): void;
    /** Every bait of `kind` crossed. */
    crossed(result: AuditResult, kind: BaitKind): void;
    /** No bait of `kind` crossed. */
    notCrossed(result: AuditResult, kind: BaitKind): void;
    /** The bait of `kind` did what the result expects of it (absent ones stayed out, `passed` crossed). */
    baitAsExpected(result: AuditResult, kind: BaitKind): void;
    /** The child's soft RLIMIT_NOFILE is at most `max` (default FD_SETSIZE, 1024). */
    softLimitAtMost(result: AuditResult, max?: number): void;
    /** The child starts with no blocked and no ignored signal. */
    signalsClean(result: AuditResult): void;
    /** No fd that is neither stdio nor a bait reached the child. */
    noExtraFds(result: AuditResult): void;
    /** The result's status is `status`. */
    status(result: AuditResult, status: AuditStatus): void;
    /** The bait of `kind` was not opened here (refused by the kernel or sandbox), for a reason matching `reason`. */
    baitSkipped(result: AuditResult, kind: BaitKind, reason?: RegExp): void;
  }
}

type Verdicts = { judged: false } | { judged: true; baits: BaitVerdict[] };

function failWith(assert: Assert, message: string, actual?: unknown, expected?: unknown): never {
  // ssf = failWith: the stack starts at the assertion macro's caller, the spec line.
  throw new assert.AssertionError(message, { actual, expected, showDiff: false }, failWith);
}

function checkResult(result: unknown, method: string): asserts result is AuditResult {
  const r = result as Partial<AuditResult> | null;
  if (!r || typeof r !== 'object' || typeof r.launcher !== 'string' || !Array.isArray(r.baits)) {
    throw new TypeError(`assert.${method}() takes an audit result (from the audit fixture), got ${String(result)}`);
  }
}

function checkKind(kind: unknown, method: string): asserts kind is BaitKind {
  if (!(BAIT_KINDS as readonly unknown[]).includes(kind)) {
    throw new RangeError(`assert.${method}(): unknown bait kind '${String(kind)}'; valid: ${BAIT_KINDS.join(', ')}`);
  }
}

/** true when the assertion has nothing to judge (skipped result): the test is then marked skipped. */
function skippedHere(result: AuditResult): boolean {
  if (result.status !== 'skipped') return false;
  markTest({ skipped: unjudgedMessage(result) });
  return true;
}

/** The baits of `kind`, or a skip (kind outside the run's --bait selection), or a failure. */
function baitsOf(assert: Assert, result: AuditResult, kind: BaitKind): Verdicts {
  markTest({ launcher: result.launcher, kernel: result.kernel, bait: kind });
  if (skippedHere(result)) return { judged: false };
  if (result.status === 'error') failWith(assert, unjudgedMessage(result), result.error, kind);
  const all = result.baits.filter((b) => b.kind === kind);
  const baits = all.filter((b) => !b.skipped);
  if (baits.length > 0) return { judged: true, baits };
  if (all.length > 0) {
    markTest({ skipped: `bait ${kind} was not opened here: ${all.map((b) => b.reason ?? 'no reason given').join('; ')} ${kernelTag(result)}` });
    return { judged: false };
  }
  const selection = runState().options.baits;
  if (selection && !selection.includes(kind)) {
    markTest({ skipped: `bait ${kind} is not in this run's --bait selection (${selection.join(', ')})` });
    return { judged: false };
  }
  const present = [...new Set(result.baits.map((b) => b.kind))].join(', ') || 'none';
  return failWith(assert, `${result.launcher} result has no ${kind} bait (baits audited: ${present}) ${kernelTag(result)}`);
}

function judgedOnly(assert: Assert, result: AuditResult): boolean {
  markTest({ launcher: result.launcher, kernel: result.kernel });
  if (skippedHere(result)) return false;
  if (result.status === 'error') failWith(assert, unjudgedMessage(result), result.error);
  return true;
}

let installed = false;

/** Adds the audit assertions to Assert (idempotent; importing the runner does it). */
export function installAssertions(): void {
  if (installed) return;
  installed = true;

  Assert.macro('sealed', function (this: Assert, result: AuditResult) {
    checkResult(result, 'sealed');
    this.incrementAssertionsCount();
    markTest({ launcher: result.launcher, kernel: result.kernel });
    if (skippedHere(result)) return;
    const findings = sealFindings(result);
    if (findings.length) failWith(this, findings.join('; '), result.status, 'sealed');
  });

  Assert.macro('leaks', function (this: Assert, result: AuditResult, kinds: readonly BaitKind[]) {
    checkResult(result, 'leaks');
    if (!Array.isArray(kinds) || kinds.length === 0) {
      throw new TypeError('assert.leaks() takes a non-empty array of bait kinds');
    }
    kinds.forEach((k) => checkKind(k, 'leaks'));
    this.incrementAssertionsCount();
    const missing: string[] = [];
    for (const kind of kinds) {
      const v = baitsOf(this, result, kind);
      if (!v.judged) continue;
      for (const b of v.baits) if (!b.crossed) missing.push(notCrossedMessage(result, b));
    }
    if (missing.length) failWith(this, missing.join('; '), 'not crossed', 'crossed');
  });

  Assert.macro('crossed', function (this: Assert, result: AuditResult, kind: BaitKind) {
    checkResult(result, 'crossed');
    checkKind(kind, 'crossed');
    this.incrementAssertionsCount();
    const v = baitsOf(this, result, kind);
    if (!v.judged) return;
    const missing = v.baits.filter((b) => !b.crossed).map((b) => notCrossedMessage(result, b));
    if (missing.length) failWith(this, missing.join('; '), 'not crossed', 'crossed');
  });

  Assert.macro('notCrossed', function (this: Assert, result: AuditResult, kind: BaitKind) {
    checkResult(result, 'notCrossed');
    checkKind(kind, 'notCrossed');
    this.incrementAssertionsCount();
    const v = baitsOf(this, result, kind);
    if (!v.judged) return;
    const leaked = v.baits.filter((b) => b.crossed).map((b) => leakedMessage(result, b));
    if (leaked.length) failWith(this, leaked.join('; '), 'crossed', 'not crossed');
  });

  Assert.macro('baitAsExpected', function (this: Assert, result: AuditResult, kind: BaitKind) {
    checkResult(result, 'baitAsExpected');
    checkKind(kind, 'baitAsExpected');
    this.incrementAssertionsCount();
    const v = baitsOf(this, result, kind);
    if (!v.judged) return;
    const wrong = v.baits
      .filter((b) => b.crossed !== (b.expected === 'present'))
      .map((b) => (b.crossed ? leakedMessage(result, b) : notCrossedMessage(result, b)));
    if (wrong.length) failWith(this, wrong.join('; '));
  });

  Assert.macro('baitSkipped', function (this: Assert, result: AuditResult, kind: BaitKind, reason?: RegExp) {
    checkResult(result, 'baitSkipped');
    checkKind(kind, 'baitSkipped');
    if (reason !== undefined && !(reason instanceof RegExp)) throw new TypeError('assert.baitSkipped(): reason must be a RegExp');
    this.incrementAssertionsCount();
    markTest({ launcher: result.launcher, kernel: result.kernel, bait: kind });
    if (skippedHere(result)) return;
    if (result.status === 'error') failWith(this, unjudgedMessage(result), result.error, kind);
    const all = result.baits.filter((b) => b.kind === kind);
    if (all.length === 0) failWith(this, `${result.launcher} result has no ${kind} bait ${kernelTag(result)}`);
    const opened = all.filter((b) => !b.skipped);
    if (opened.length > 0) {
      failWith(this, `${result.launcher}: the ${kind} bait was opened (fd ${opened.map((b) => b.fd).join(', ')}), expected it refused here ${kernelTag(result)}`, 'opened', 'skipped');
    }
    const bad = all.filter((b) => reason && !reason.test(b.reason ?? ''));
    if (bad.length > 0) {
      failWith(this, `${result.launcher}: the ${kind} bait was skipped for another reason: ${bad.map((b) => b.reason).join('; ')} ${kernelTag(result)}`, bad[0]?.reason, String(reason));
    }
  });

  Assert.macro('softLimitAtMost', function (this: Assert, result: AuditResult, max: number = FD_SETSIZE) {
    checkResult(result, 'softLimitAtMost');
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(`assert.softLimitAtMost(): max must be a non-negative integer, got ${String(max)}`);
    }
    this.incrementAssertionsCount();
    if (!judgedOnly(this, result)) return;
    const msg = softLimitMessage(result, max);
    if (msg) failWith(this, msg, result.rlimitNofile?.soft, `<= ${max}`);
  });

  Assert.macro('signalsClean', function (this: Assert, result: AuditResult) {
    checkResult(result, 'signalsClean');
    this.incrementAssertionsCount();
    if (!judgedOnly(this, result)) return;
    const msg = signalsMessage(result);
    if (msg) failWith(this, msg, result.signals, { blocked: [], ignored: [] });
  });

  Assert.macro('noExtraFds', function (this: Assert, result: AuditResult) {
    checkResult(result, 'noExtraFds');
    this.incrementAssertionsCount();
    if (!judgedOnly(this, result)) return;
    const msg = extraFdMessage(result);
    if (msg) failWith(this, msg, result.extraFds, []);
  });

  Assert.macro('status', function (this: Assert, result: AuditResult, status: AuditStatus) {
    checkResult(result, 'status');
    const valid: readonly AuditStatus[] = ['sealed', 'leak', 'error', 'skipped'];
    if (!valid.includes(status)) {
      throw new RangeError(`assert.status(): unknown status '${String(status)}'; valid: ${valid.join(', ')}`);
    }
    this.incrementAssertionsCount();
    markTest({ launcher: result.launcher, kernel: result.kernel });
    if (status !== 'skipped' && skippedHere(result)) return;
    if (result.status !== status) failWith(this, statusMessage(result, status), result.status, status);
  });
}

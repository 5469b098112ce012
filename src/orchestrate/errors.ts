/** Errors of a run's orchestration, shared by every command that plans one (run, trace). */

/** A bad command line or plan: printed as one short line, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One or more assertions or policies failed (exit 1); the message is the closing line. */
export class RunFailed extends Error {
  override name = 'RunFailed';
}

/** Checks every value against a list, naming the first bad one and the valid ones. */
export function checkChoices(what: string, values: readonly string[], valid: readonly string[]): void {
  for (const v of values) {
    if (!valid.includes(v)) throw new UsageError(`unknown ${what} '${v}'; valid: ${valid.join(', ')}`);
  }
}

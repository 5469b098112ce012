/** Exit codes and usage errors shared by every command. */
import { InvalidArgumentError } from 'commander';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A bad command line: printed as one short line, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Ends the command with this exit status and nothing more to print (e.g. a re-run's own status). */
export class ExitWith extends Error {
  override name = 'ExitWith';
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Repeatable/variadic option values, also split on commas: `--bait pipe,file --bait dir`. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  return [...(previous ?? []), ...parts];
}

/** Repeatable option values kept whole (templates contain commas and blanks). */
export function collectWhole(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Checks every value against a list, naming the first bad one and the valid ones. */
export function checkChoices(what: string, values: readonly string[], valid: readonly string[]): void {
  for (const v of values) {
    if (!valid.includes(v)) throw new UsageError(`unknown ${what} '${v}'; valid: ${valid.join(', ')}`);
  }
}

/** Parses a positive integer option (e.g. --timeout). */
export function positiveInt(what: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive integer, got '${value}'`);
    return n;
  };
}

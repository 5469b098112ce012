/** Exit codes and usage errors shared by every command. */
import { InvalidArgumentError } from 'commander';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export { checkChoices, RunFailed, UsageError } from '../orchestrate/errors.ts';

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


/** Parses a positive integer option (e.g. --timeout). */
export function positiveInt(what: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive integer, got '${value}'`);
    return n;
  };
}

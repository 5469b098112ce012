/** Where the probe executable lives and how to start it. */
import { nativePath } from '../native/paths.ts';

export const PROBE_EXECUTABLE = 'fdaudit-probe';

/** Absolute path of the fdaudit-probe executable; throws a clear error when it is not built. */
export function probePath(): string {
  try {
    return nativePath(PROBE_EXECUTABLE);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`fdaudit: the probe executable is not built (${why})`, { cause: err });
  }
}

/** argv that runs the probe and has it write its report to `reportPath` ('-' for stdout). */
export function probeArgv(reportPath: string): string[] {
  if (typeof reportPath !== 'string') throw new TypeError(`probeArgv(reportPath): reportPath must be a string, got ${typeof reportPath}`);
  if (reportPath === '') throw new RangeError('probeArgv(reportPath): reportPath must not be empty (use "-" for stdout)');
  return [probePath(), '--report', reportPath];
}

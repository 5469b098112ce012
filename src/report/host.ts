/** Facts about the machine a run happened on, for the `host` block of audit.json. */
import { hostname, release } from 'node:os';
import type { HostFacts } from '../audit/types.ts';

interface ReportShape {
  header?: { glibcVersionRuntime?: string };
  sharedObjects?: string[];
}

/**
 * The host's name (`name`, else the hostname), kernel release (uname -r), Node version, and the C
 * library the process runs on.
 */
export function hostFacts(name?: string): HostFacts {
  return { name: name === undefined ? hostname() : checkHostName(name), kernel: release(), node: process.version, libc: libcVersion() };
}

/** Longest host name accepted: a DNS name's limit, and a column header still fits a screen. */
export const HOST_NAME_MAX = 253;

/**
 * A host name as `--host-name` takes it: not empty, no surrounding blanks, no control characters,
 * at most HOST_NAME_MAX characters. Returns it, or throws a RangeError that says what is wrong.
 */
export function checkHostName(name: string): string {
  if (typeof name !== 'string') throw new TypeError('host name must be a string');
  const shown = JSON.stringify(name);
  if (name.trim() === '') throw new RangeError('host name must not be empty');
  if (name !== name.trim()) throw new RangeError(`host name ${shown} must not start or end with blanks`);
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new RangeError(`host name ${shown} must not contain control characters`);
  if ([...name].length > HOST_NAME_MAX) throw new RangeError(`host name must be at most ${HOST_NAME_MAX} characters, got ${[...name].length}`);
  return name;
}

/** "glibc 2.36", "musl", or "unknown" when the process report cannot tell. */
export function libcVersion(): string {
  const report = readProcessReport();
  const glibc = report?.header?.glibcVersionRuntime;
  if (glibc) return `glibc ${glibc}`;
  // musl has no version query; its dynamic loader shows among the loaded objects.
  if (report?.sharedObjects?.some((so) => /\bld-musl-/.test(so))) return 'musl';
  return 'unknown';
}

function readProcessReport(): ReportShape | null {
  const reporter = process.report as (NodeJS.ProcessReport & { excludeNetwork?: boolean }) | undefined;
  if (!reporter) return null;
  // The network section resolves host names for every open socket; nothing here needs it.
  const saved = reporter.excludeNetwork;
  try {
    if (saved !== undefined) reporter.excludeNetwork = true;
    return reporter.getReport() as ReportShape;
  } catch {
    return null;
  } finally {
    if (saved !== undefined) reporter.excludeNetwork = saved;
  }
}

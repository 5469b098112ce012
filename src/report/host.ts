/** Facts about the machine a run happened on, for the `host` block of audit.json. */
import { release } from 'node:os';
import type { HostFacts } from '../audit/types.ts';

interface ReportShape {
  header?: { glibcVersionRuntime?: string };
  sharedObjects?: string[];
}

/** Kernel release (uname -r), Node version, and the C library the process runs on. */
export function hostFacts(): HostFacts {
  return { kernel: release(), node: process.version, libc: libcVersion() };
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

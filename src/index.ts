/** fdaudit: what does a child process inherit? */
export type * from './launch/types.ts';
export type * from './probe/types.ts';
export type * from './audit/types.ts';
export type { BaitKind, Bait, BaitSet } from './bait/types.ts';
export { BAIT_KINDS } from './bait/types.ts';
export { KERNEL_IDS } from './kernels/types.ts';
export type { KernelId } from './kernels/types.ts';
export {
  personalities, getPersonality, isKernelId, closeRangeFails, parseKernelList, kernelWrapperPath, wrapArgv,
  kernelAvailability, KERNEL_WRAPPER_EXIT, DENIABLE_SYSCALLS,
} from './kernels/index.ts';
export type { KernelPersonality, KernelTraits, SyscallDenial, WrapOptions, DeniableSyscall } from './kernels/index.ts';
export { probePath, probeArgv, PROBE_EXECUTABLE } from './probe/path.ts';
export { parseProbeReport, readProbeReport, ProbeReportError, PROBE_SCHEMA } from './probe/parse.ts';
export type { ProbeReportProblem } from './probe/parse.ts';
export { describeFd } from './probe/describe.ts';
export { openBaits, openFds } from './bait/open.ts';
export type { OpenBaitsOptions } from './bait/open.ts';
export { audit, auditLauncher, judge, sealedPolicyFindings, DEFAULT_TIMEOUT_MS } from './audit/index.ts';
export type { AuditOptions, Finding, FindingKind, PolicyOptions, JudgeContext, JudgedLauncher } from './audit/index.ts';
export { launchers, getLauncher, launcherIds, execLauncher, parseExecSpec, adapterLauncher, loadConfig, ConfigError } from './launchers/index.ts';
export type { Launcher, LaunchContext, LaunchOutcome, Scenario, AdapterDefinition, FdauditConfig } from './launchers/index.ts';
export { launchSync, launch, LaunchError } from './launch/index.ts';
export { execaAdapter, crossSpawnAdapter, nodePtyAdapter, locateRuntime } from './launchers/runtimes/index.ts';
export { runBench, renderBenchTables, BENCH_SCHEMA } from './bench/index.ts';
export type { BenchOptions, BenchOutput, BenchReport, BenchRow, BenchTarget } from './bench/index.ts';
export { writeHtmlReport } from './html/index.ts';

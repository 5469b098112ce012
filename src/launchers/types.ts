/** What every launcher in the registry provides (DESIGN.md §5 "Launcher ids"). */
import type { ProbeReport } from '../probe/types.ts';

export type LauncherKind = 'native' | 'node' | 'external' | 'mutant' | 'adapter';

export interface LaunchContext {
  /** argv that runs the probe and makes it write its report (argv[0] is an absolute path). */
  probeArgv: string[];
  /** Where the probe writes its report. */
  reportPath: string;
  /** Fds passed on purpose (the `passed` bait); launchers that can pass fds keep them at their number. */
  keep: number[];
  /** After this the launcher's process group is killed and the run is an error. */
  timeoutMs: number;
}

export interface LaunchOutcome {
  /** Exit code of the launched process (the probe, or the external launcher that ran it). */
  code: number | null;
  signal: string | null;
  closeStrategy: string | null;
  /** Stderr of the launcher, for error messages (truncated). */
  stderr?: string;
}

export interface Launcher {
  id: string;
  description: string;
  kind: LauncherKind;
  /** Whether the launcher can pass an fd on purpose (then the `passed` bait must cross). */
  canPassFds: boolean;
  /** null when it can run here, else why not (the result is then `skipped`). */
  unavailable(): Promise<string | null>;
  run(ctx: LaunchContext): Promise<LaunchOutcome>;
}

export type { ProbeReport };

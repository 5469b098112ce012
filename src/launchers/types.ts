/** What every launcher in the registry provides (DESIGN.md §5 "Launcher ids"). */
import type { CloseStrategy } from '../launch/types.ts';
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
  /**
   * Every non-CLOEXEC bait fd. An external launcher (python3, sh, a user command) is started with all
   * of them passed on purpose, so what reaches the probe is what that program itself passes on.
   */
  baitFds?: number[];
  /** Kernel personality the process runs under ('host' unless the whole process runs under one). */
  kernel?: string;
  /** Close strategy to force ('auto' when absent). Set by a scenario; launchers that cannot honour it ignore it. */
  closeStrategy?: 'auto' | CloseStrategy;
  /** The parent's fd 0 is closed during the spawn: the plan leaves slot 0 closed too (stdio [null, out, out]). */
  stdinClosed?: boolean;
  /**
   * Runs the synchronous spawn step inside the scenario's parent state (e.g. with fd 0 closed). Launchers
   * call it around the one call that creates the child, so nothing else runs while that state holds.
   */
  aroundSpawn?: <T>(spawn: () => T) => T;
}

export interface LaunchOutcome {
  /** Exit code of the launched process (the probe, or the external launcher that ran it). */
  code: number | null;
  signal: string | null;
  closeStrategy: string | null;
  /** Stderr of the launcher, for error messages (truncated). */
  stderr?: string;
}

/** Parent state a scenario sets up for the launch, and how to take it down again. */
export interface ScenarioSetup {
  /** Fields merged into the LaunchContext (forced strategy, stdin closed, aroundSpawn). */
  context: Partial<Pick<LaunchContext, 'closeStrategy' | 'stdinClosed' | 'aroundSpawn'>>;
  /** What the scenario did, for the result's `scenario` field. */
  applied: string;
  /** Restores everything the scenario changed (may wait for the event loop). Idempotent. */
  restore(): void | Promise<void>;
}

/**
 * The parent state in which a launcher's flaw shows (a mutant's "exposing scenario"): entered right
 * before the launch, restored right after it, also when the launch fails.
 */
export interface Scenario {
  id: string;
  description: string;
  enter(env: { kernel: string }): ScenarioSetup;
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
  /** Parent state that exposes this launcher's flaw (mutants); the engine enters it unless told not to. */
  scenario?: Scenario;
}

export type { ProbeReport };

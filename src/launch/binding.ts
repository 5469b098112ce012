/** The launch part of the native addon (native/addon/launch.cc), typed. */
import { addonPart } from '../native/addon.ts';

/** What validate.ts hands to the addon: everything already checked and converted. */
export interface SpawnRequest {
  /** null: the sealed core (fda_spawn); else a name for fda_variant_by_name(). */
  variant: string | null;
  file: string;
  argv: string[];
  /**
   * "K=V" strings, or one string of them separated by NUL bytes (one conversion instead of one per
   * entry; '' is an empty environment); null: this process's environ as it is at the launch.
   */
  envp: string[] | string | null;
  cwd: string | null;
  /** -1 closes the slot. null: [0, 1, 2], each one that is closed in this process closed in the child. */
  stdio: number[] | null;
  keep: number[];
  seal: boolean;
  strategy: string;
  rlimit: 'fd-setsize' | 'inherit' | 'explicit';
  /** -1 stands for unlimited. */
  soft?: number;
  hard?: number;
  mask: number[];
  ignore: number[];
  setpgid: boolean;
  /** Hand back a pidfd of the running child (the core takes it from clone with the pid); launch() asks. */
  pidfd?: boolean;
}

export interface SpawnOutcome {
  pid: number;
  /** A pidfd of the running child, owned by the caller (watch takes it), or -1. */
  pidfd: number;
  /** 0 when execve was reached, and for a child killed before it (see signal). */
  err: number;
  /** The signal that killed the child before execve (in `step`), else 0. */
  signal: number;
  step: string;
  strategy: string;
}

export interface LaunchBinding {
  spawn(req: SpawnRequest): SpawnOutcome;
  /** Blocking waitpid on exactly this pid; signal 0 when it exited normally. */
  waitpid(pid: number): { code: number | null; signal: number };
  /**
   * Calls back on the event loop once pid exited and was reaped; returns how it watches. `pidfd` (from
   * spawn) is owned from then on and closed in every case; without one a pidfd is opened if it can be.
   */
  watch(pid: number, cb: (code: number | null, signal: number) => void, forceSigchld?: boolean, pidfd?: number): 'pidfd' | 'sigchld';
  /** -1 stands for unlimited. */
  getRlimitNofile(): { soft: number; hard: number };
  fdIsOpen(fd: number): boolean;
  pidfdAvailable(): boolean;
  /** close_range(2) works here (not refused by the kernel or a seccomp profile). */
  closeRangeAvailable(): boolean;
  /** The C library's text for an errno value. */
  strerror(errno: number): string;
}

let cached: LaunchBinding | undefined;

export function binding(): LaunchBinding {
  cached ??= addonPart<LaunchBinding>('launch');
  return cached;
}

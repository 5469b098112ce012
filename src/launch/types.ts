/** Public shapes of the launcher API (DESIGN.md §5 "Library API"). */

export type CloseStrategy = 'close_range' | 'proc' | 'poll' | 'loop';
export const CLOSE_STRATEGIES: readonly CloseStrategy[] = ['close_range', 'proc', 'poll', 'loop'];

export type RlimitPolicy = 'fd-setsize' | 'inherit' | { soft: number | 'unlimited'; hard?: number | 'unlimited' };

export interface LaunchOptions {
  /** Child environment; default: process.env. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** argv[0] seen by the child; default: the file as given. */
  argv0?: string;
  /**
   * Entry i becomes fd i in the child; null closes slot i. Default [0, 1, 2], where one of
   * those that is closed in this process stays closed in the child. Given explicitly, every fd
   * must be open (RangeError otherwise).
   */
  stdio?: ReadonlyArray<number | null>;
  /** Fds passed through at their own number (each >= stdio.length). */
  keep?: readonly number[];
  /** Default true. false closes nothing: every non-CLOEXEC fd leaks (a deliberate control). */
  seal?: boolean;
  rlimit?: RlimitPolicy;
  /** 'auto' (default) or one strategy by name, for tests and benchmarks. */
  closeStrategy?: 'auto' | CloseStrategy;
  /** Signals blocked in the child at execve (names like 'SIGUSR1'). Default none. */
  signalMask?: readonly string[];
  /** Signals left ignored (SIG_IGN) in the child. Default none: every disposition is SIG_DFL. */
  ignoreSignals?: readonly string[];
  /** Put the child in a new process group (setpgid(0, 0)), so a hung tree can be killed as one. */
  processGroup?: boolean;
}

export interface LaunchSyncResult {
  pid: number;
  /**
   * Exit code, or null when killed by a signal. Both code and signal are null when the status was lost:
   * this process ignores SIGCHLD (the kernel reaps its children at once) or another waitpid(-1) took it.
   */
  code: number | null;
  signal: string | null;
  /** Strategy that sealed the child; null when seal is false. */
  closeStrategy: CloseStrategy | null;
}

/** As in LaunchSyncResult: code and signal both null when the status was lost (SIGCHLD ignored). */
export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

export interface LaunchHandle {
  pid: number;
  closeStrategy: CloseStrategy | null;
  exited: Promise<ExitStatus>;
}

/** The step of the launch that failed, as reported by the child or the parent. */
export type LaunchStep =
  | 'vfork' | 'sigaction' | 'fcntl' | 'dup2' | 'close_range' | 'close'
  | 'setrlimit' | 'chdir' | 'sigprocmask' | 'execve' | 'posix_spawn' | 'fork' | 'setpgid';

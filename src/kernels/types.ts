/** Kernel personalities (DESIGN.md §5): the kernel behaviours a run can emulate. */
export const KERNEL_IDS = [
  'host', 'linux-5.10', 'linux-5.8', 'linux-5.2', 'container-eperm', 'no-proc', 'linux-5.8+no-proc',
  'huge-nofile', 'container-eperm+huge-nofile',
] as const;

/**
 * The soft and hard RLIMIT_NOFILE under huge-nofile: what Docker on current systemd hosts gives
 * containers (systemd sets fs.nr_open to 2^30 - 8 and the runtime copies it into both limits).
 */
export const HUGE_NOFILE = 1073741816;
export type KernelId = (typeof KERNEL_IDS)[number];

/** What a program meets under a personality, for specs that state per-kernel expectations. */
export interface KernelTraits {
  /**
   * How `close_range` answers: `'ok'`; `'no-cloexec'` (only CLOSE_RANGE_CLOEXEC
   * is refused, with EINVAL, as on 5.9 and 5.10); or the errno every call gets.
   */
  readonly closeRange: 'ok' | 'no-cloexec' | 'ENOSYS' | 'EPERM';
  /** /proc (and so /proc/self/fd) can be read. */
  readonly procVisible: boolean;
  /** pidfd_open works (and waitid(P_PIDFD), pidfd_getfd). */
  readonly pidfd: boolean;
  /** clone3 works (glibc falls back to clone on ENOSYS). */
  readonly clone3: boolean;
  /**
   * RLIMIT_NOFILE as processes see it at the start: `'host'` (the real one) or `'huge'` (soft and
   * hard HUGE_NOFILE, emulated; fd numbers still end at the real hard limit).
   */
  readonly nofile: 'host' | 'huge';
}

/** One personality: what it changes, as `fdaudit kernels` prints it. */
export interface KernelPersonality {
  readonly id: KernelId;
  /** One line: which syscalls fail with which errno, or what is hidden. */
  readonly description: string;
  /** Syscalls refused (always or for some arguments) → the errno returned. */
  readonly refuses: Readonly<Record<string, string>>;
  /** True when /proc is hidden in a private mount namespace. */
  readonly hidesProc: boolean;
  /** The soft and hard RLIMIT_NOFILE every process starts with, emulated; null: the real ones. */
  readonly rlimitNofile: { readonly soft: number; readonly hard: number } | null;
  readonly traits: KernelTraits;
}

/** Syscalls the wrapper can refuse on request (`--deny SYSCALL=ERRNO`). */
export const DENIABLE_SYSCALLS = [
  'close_range', 'pidfd_open', 'clone3', 'pidfd_getfd', 'pidfd_send_signal', 'waitid', 'poll', 'ppoll',
  'select', 'pselect6', 'getdents64', 'getdents', 'open', 'openat', 'openat2', 'fcntl', 'prlimit64', 'getrlimit',
  'setrlimit', 'unshare', 'ptrace',
] as const;
export type DeniableSyscall = (typeof DENIABLE_SYSCALLS)[number];

/** An extra refusal stacked on a personality: `syscall` fails with `errno` (a name like 'ENOSYS'). */
export interface SyscallDenial {
  readonly syscall: DeniableSyscall;
  readonly errno: string;
}

export interface WrapOptions {
  /** Further refusals; they take precedence over the personality's own rules. */
  readonly deny?: readonly SyscallDenial[];
}

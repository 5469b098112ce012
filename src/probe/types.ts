/** The `fdaudit/probe@1` report written by the fdaudit-probe executable. */

export type FdType = 'file' | 'dir' | 'pipe' | 'socket' | 'char' | 'block' | 'anon' | 'memfd' | 'unknown';
export const FD_TYPES: readonly FdType[] = ['file', 'dir', 'pipe', 'socket', 'char', 'block', 'anon', 'memfd', 'unknown'];

export type Limit = number | 'unlimited';

export interface ProbeFd {
  fd: number;
  /**
   * readlink of /proc/self/fd/N, e.g. "pipe:[123]" or "/dev/null"; "unknown"
   * without /proc. Bytes that are not UTF-8 appear as lone surrogates U+DC80..U+DCFF.
   */
  target: string;
  type: FdType;
  /** "major:minor" of st_dev ("unknown" only if fstat failed). */
  dev: string;
  /** st_ino as a decimal string (64-bit safe). */
  ino: string;
  /** fdinfo flags, octal string as the kernel prints it (O_CLOEXEC included; fcntl gives the same without /proc). */
  flags: string;
  /** fdinfo pos, decimal string; lseek without /proc, "unknown" where that fails (pipes, sockets). */
  pos: string;
  /**
   * Stable for one open file across processes, fd numbers and exec:
   * "DEV:INO:ACC" plus ":KIND:FINGERPRINT" for anonymous inodes (rules in
   * native/probe/describe.h).
   */
  identity: string;
}

export interface ProbeReport {
  schema: 'fdaudit/probe@1';
  pid: number;
  ppid: number;
  fds: ProbeFd[];
  rlimitNofile: { soft: Limit; hard: Limit };
  signals: { blocked: string[]; ignored: string[] };
  cwd: string;
  umask: string;
}

/** The `fdaudit/probe@1` report written by the fdaudit-probe executable. */

export type FdType = 'file' | 'dir' | 'pipe' | 'socket' | 'char' | 'block' | 'anon' | 'memfd' | 'unknown';
export const FD_TYPES: readonly FdType[] = ['file', 'dir', 'pipe', 'socket', 'char', 'block', 'anon', 'memfd', 'unknown'];

export type Limit = number | 'unlimited';

export interface ProbeFd {
  fd: number;
  /** readlink of /proc/self/fd/N, e.g. "pipe:[123]" or "/dev/null". */
  target: string;
  type: FdType;
  /** "major:minor" of st_dev. */
  dev: string;
  /** st_ino as a decimal string (64-bit safe). */
  ino: string;
  /** fdinfo flags, octal string as the kernel prints it. */
  flags: string;
  /** fdinfo pos, decimal string. */
  pos: string;
  /** Stable for one open file across processes and fd numbers. */
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

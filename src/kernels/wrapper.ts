/** Running a program under a kernel personality through the fdaudit-kernel wrapper. */
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { nativePath } from '../native/paths.ts';
import { getPersonality } from './personalities.ts';
import { DENIABLE_SYSCALLS } from './types.ts';
import type { KernelId, SyscallDenial, WrapOptions } from './types.ts';

/** Exit statuses of fdaudit-kernel itself (any other status is the program's). */
export const KERNEL_WRAPPER_EXIT = Object.freeze({
  /** Unknown personality, syscall or errno; malformed command line. */
  usage: 2,
  /** The personality cannot be applied on this machine: report it `skipped`. */
  unavailable: 3,
  cannotRun: 126,
  notFound: 127,
});

/** Absolute path of the wrapper executable (build/out/fdaudit-kernel). */
export function kernelWrapperPath(): string {
  return nativePath('fdaudit-kernel');
}

const errnoNumbers = constants.errno as Readonly<Record<string, number>>;

function denyFlags(deny: readonly SyscallDenial[] | undefined): string[] {
  if (deny === undefined) return [];
  if (!Array.isArray(deny)) throw new TypeError('options.deny must be an array of { syscall, errno }');
  const flags: string[] = [];
  for (const d of deny as readonly SyscallDenial[]) {
    if (d === null || typeof d !== 'object') throw new TypeError('options.deny entries must be { syscall, errno }');
    if (!(DENIABLE_SYSCALLS as readonly string[]).includes(d.syscall)) {
      throw new RangeError(`cannot deny unknown syscall '${String(d.syscall)}'; deniable: ${DENIABLE_SYSCALLS.join(', ')}`);
    }
    const errno = typeof d.errno === 'string' && Object.hasOwn(errnoNumbers, d.errno) ? errnoNumbers[d.errno] : undefined;
    if (errno === undefined || errno < 1 || errno > 4095) {
      throw new RangeError(`unknown errno '${String(d.errno)}' for denied syscall ${d.syscall}; use a name like 'ENOSYS'`);
    }
    // The number, not the name: the wrapper's name table is shorter than Node's.
    flags.push('--deny', `${d.syscall}=${errno}`);
  }
  return flags;
}

/**
 * The argv that runs `argv` under `kernel`: `[wrapper, '--as', kernel, …,
 * '--', ...argv]`, or `argv` unchanged for `host` without extra denials.
 * Pass an absolute program path when the program needs to know where it
 * lives: under no-proc /proc/self/exe is gone and Node's process.execPath
 * falls back to argv[0].
 */
export function wrapArgv(kernel: KernelId, argv: readonly string[], options: WrapOptions = {}): string[] {
  if (typeof kernel !== 'string') throw new TypeError('kernel must be a personality id string');
  getPersonality(kernel);
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string')) {
    throw new TypeError('argv must be an array of strings');
  }
  if (argv.length === 0 || argv[0] === '') throw new RangeError('argv must name a program to run');
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const deny = denyFlags(options.deny);
  if (kernel === 'host' && deny.length === 0) return [...argv];
  return [kernelWrapperPath(), '--as', kernel, ...deny, '--', ...argv];
}

const availability = new Map<KernelId, string | null>();

/**
 * null when programs (Node itself) run under `kernel` here, else why not:
 * the wrapper's own message when the personality cannot be applied (no
 * namespaces for no-proc, no seccomp), or what went wrong running Node under
 * it. Runs the wrapper once per personality and caches the answer.
 */
export function kernelAvailability(kernel: KernelId): string | null {
  getPersonality(kernel);
  if (kernel === 'host') return null;
  const cached = availability.get(kernel);
  if (cached !== undefined) return cached;
  const reason = checkAvailability(kernel);
  availability.set(kernel, reason);
  return reason;
}

function checkAvailability(kernel: KernelId): string | null {
  let argv: string[];
  try {
    argv = wrapArgv(kernel, [process.execPath, '-e', '']);
  } catch (err) {
    return (err as Error).message;
  }
  const [file, ...args] = argv as [string, ...string[]];
  const r = spawnSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  if (r.error) return `cannot run ${file}: ${r.error.message}`;
  const stderr = (r.stderr ?? '').trim();
  if (r.status === 0) return null;
  if (r.status === KERNEL_WRAPPER_EXIT.unavailable) {
    return stderr.replace(/^fdaudit-kernel: /, '') || `personality '${kernel}' is unavailable here`;
  }
  const how = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.status}`;
  return `node ${how} under kernel personality '${kernel}'${stderr ? `: ${stderr}` : ''}`;
}

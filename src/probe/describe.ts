/**
 * The probe's description of an fd in this process (native/probe/describe.c
 * through the addon), so a parent-side fd gets its identity from the very
 * code the probe runs in the child.
 */
import { addonPart } from '../native/addon.ts';
import type { ProbeFd } from './types.ts';

interface ProbeBinding {
  describeFd(fd: number): ProbeFd;
}

let binding: ProbeBinding | undefined;

/** {fd, target, type, dev, ino, flags, pos, identity} of an open fd of this process; throws (code EBADF) if it is not open. */
export function describeFd(fd: number): ProbeFd {
  if (typeof fd !== 'number') throw new TypeError(`describeFd(fd): fd must be a number, got ${typeof fd}`);
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) throw new RangeError(`describeFd(fd): fd must be an integer in 0..2147483647, got ${fd}`);
  binding ??= addonPart<ProbeBinding>('probe');
  return binding.describeFd(fd);
}

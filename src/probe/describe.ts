/**
 * The probe's description of an fd in this process (native/probe/describe.c
 * through the addon), so a parent-side fd gets its identity from the very
 * code the probe runs in the child.
 */
import { addonPart } from '../native/addon.ts';
import type { FdType, ProbeFd } from './types.ts';

interface RawFd extends Omit<ProbeFd, 'target'> {
  target: Buffer;
}

interface ProbeBinding {
  describeFd(fd: number): RawFd;
}

let binding: ProbeBinding | undefined;

/** Length of the well-formed UTF-8 sequence at b[i] (RFC 3629), 0 if malformed; as fda_utf8_len. */
function utf8Len(b: Uint8Array, i: number): number {
  const c = b[i] ?? 0;
  if (c < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c === 0xe0) (n = 3), (lo = 0xa0);
  else if (c === 0xed) (n = 3), (hi = 0x9f);
  else if (c >= 0xe1 && c <= 0xef) n = 3;
  else if (c === 0xf0) (n = 4), (lo = 0x90);
  else if (c === 0xf4) (n = 4), (hi = 0x8f);
  else if (c >= 0xf1 && c <= 0xf3) n = 4;
  else return 0;
  if (i + n > b.length) return 0;
  const c1 = b[i + 1] ?? 0;
  if (c1 < lo || c1 > hi) return 0;
  for (let k = 2; k < n; k++) {
    const ck = b[i + k] ?? 0;
    if (ck < 0x80 || ck > 0xbf) return 0;
  }
  return n;
}

/**
 * Bytes of a target as the probe's JSON spells them: well-formed UTF-8 as
 * text, each byte of a malformed sequence as the lone surrogate U+DC00+byte.
 */
export function targetFromBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const n = utf8Len(bytes, i);
    if (n === 0) {
      out += String.fromCharCode(0xdc00 | (bytes[i] ?? 0));
      i++;
    } else {
      out += Buffer.from(bytes.subarray(i, i + n)).toString('utf8');
      i += n;
    }
  }
  return out;
}

/** {fd, target, type, dev, ino, flags, pos, identity} of an open fd of this process; throws (code EBADF) if it is not open. */
export function describeFd(fd: number): ProbeFd {
  if (typeof fd !== 'number') throw new TypeError(`describeFd(fd): fd must be a number, got ${typeof fd}`);
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) throw new RangeError(`describeFd(fd): fd must be an integer in 0..2147483647, got ${fd}`);
  binding ??= addonPart<ProbeBinding>('probe');
  const raw = binding.describeFd(fd);
  return { ...raw, type: raw.type as FdType, target: targetFromBytes(raw.target) };
}

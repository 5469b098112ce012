/** Kernel lists as the CLI takes them: `all`, or ids separated by commas and/or spaces. */
import { KERNEL_IDS } from './types.ts';
import type { KernelId } from './types.ts';
import { isKernelId } from './personalities.ts';

/**
 * `'all'` → every personality; `'host,linux-5.8'`, `'host linux-5.8'` or
 * `['host', 'linux-5.8,no-proc']` → those, deduplicated, in the order given.
 * An unknown name throws a RangeError that names it and lists the valid ones.
 */
export function parseKernelList(value: string | readonly string[]): KernelId[] {
  const parts = (typeof value === 'string' ? [value] : value);
  if (!Array.isArray(parts) || parts.some((p) => typeof p !== 'string')) {
    throw new TypeError('kernel list must be a string or an array of strings');
  }
  const names = parts.flatMap((p) => p.split(/[\s,]+/)).filter((p) => p !== '');
  if (names.length === 0) {
    throw new RangeError(`no kernel personality given; valid: all, ${KERNEL_IDS.join(', ')}`);
  }
  const out: KernelId[] = [];
  for (const name of names) {
    if (name === 'all') {
      for (const id of KERNEL_IDS) if (!out.includes(id)) out.push(id);
      continue;
    }
    if (!isKernelId(name)) {
      throw new RangeError(`unknown kernel personality '${name}'; valid: all, ${KERNEL_IDS.join(', ')}`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

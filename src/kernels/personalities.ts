/** What each kernel personality changes; mirrors native/kernel/personality.c. */
import { HUGE_NOFILE, KERNEL_IDS } from './types.ts';
import type { KernelId, KernelPersonality, KernelTraits } from './types.ts';

const HOST_TRAITS: KernelTraits = { closeRange: 'ok', procVisible: true, pidfd: true, clone3: true, nofile: 'host' };

function personality(
  id: KernelId, description: string, refuses: Record<string, string>, traits: Partial<KernelTraits>,
): KernelPersonality {
  const all: KernelTraits = Object.freeze({ ...HOST_TRAITS, ...traits });
  const rlimitNofile = all.nofile === 'huge' ? Object.freeze({ soft: HUGE_NOFILE, hard: HUGE_NOFILE }) : null;
  return Object.freeze({ id, description, refuses: Object.freeze(refuses), hidesProc: !all.procVisible, rlimitNofile, traits: all });
}

/** The personalities, in KERNEL_IDS order. */
export const personalities: readonly KernelPersonality[] = Object.freeze([
  personality('host', 'no change: the running kernel as it is', {}, {}),
  personality('linux-5.10', 'close_range with CLOSE_RANGE_CLOEXEC fails with EINVAL; other close_range calls work',
    { 'close_range(CLOSE_RANGE_CLOEXEC)': 'EINVAL' }, { closeRange: 'no-cloexec' }),
  personality('linux-5.8', 'close_range fails with ENOSYS', { close_range: 'ENOSYS' }, { closeRange: 'ENOSYS' }),
  personality('linux-5.2',
    'close_range, pidfd_open, clone3 and pidfd_getfd fail with ENOSYS; waitid(P_PIDFD) with EINVAL',
    { close_range: 'ENOSYS', pidfd_open: 'ENOSYS', clone3: 'ENOSYS', pidfd_getfd: 'ENOSYS', 'waitid(P_PIDFD)': 'EINVAL' },
    { closeRange: 'ENOSYS', pidfd: false, clone3: false }),
  personality('container-eperm', 'close_range fails with EPERM, as older container seccomp profiles do',
    { close_range: 'EPERM' }, { closeRange: 'EPERM' }),
  personality('no-proc', '/proc is hidden: an empty read-only tmpfs in a private mount namespace', {},
    { procVisible: false }),
  personality('linux-5.8+no-proc', 'close_range fails with ENOSYS and /proc is hidden', { close_range: 'ENOSYS' },
    { closeRange: 'ENOSYS', procVisible: false }),
  personality('huge-nofile', 'soft and hard RLIMIT_NOFILE are 1073741816 (emulated), as Docker on current systemd hosts gives containers',
    {}, { nofile: 'huge' }),
  personality('container-eperm+huge-nofile', 'close_range fails with EPERM and RLIMIT_NOFILE is 1073741816, soft and hard',
    { close_range: 'EPERM' }, { closeRange: 'EPERM', nofile: 'huge' }),
]);

const byId = new Map<string, KernelPersonality>(personalities.map((p) => [p.id, p]));

/** True for one of the personality ids. */
export function isKernelId(value: unknown): value is KernelId {
  return typeof value === 'string' && (KERNEL_IDS as readonly string[]).includes(value);
}

/** The personality named `id`; a RangeError listing the valid ids otherwise. */
export function getPersonality(id: string): KernelPersonality {
  const p = byId.get(id);
  if (!p) throw new RangeError(`unknown kernel personality '${id}'; valid: ${KERNEL_IDS.join(', ')}`);
  return p;
}

/** True where `close_range(n, ~0U, 0)` fails, so a launcher must fall back to something else. */
export function closeRangeFails(id: KernelId): boolean {
  const { closeRange } = getPersonality(id).traits;
  return closeRange === 'ENOSYS' || closeRange === 'EPERM';
}

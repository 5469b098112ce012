/** Kernel personalities: emulating older kernels and restricted containers. */
export { KERNEL_IDS, DENIABLE_SYSCALLS, HUGE_NOFILE } from './types.ts';
export type { KernelId, KernelPersonality, KernelTraits, SyscallDenial, WrapOptions, DeniableSyscall } from './types.ts';
export { personalities, getPersonality, isKernelId, closeRangeFails } from './personalities.ts';
export { parseKernelList } from './parse.ts';
export { kernelWrapperPath, wrapArgv, kernelAvailability, KERNEL_WRAPPER_EXIT } from './wrapper.ts';

/** Kernel personalities (DESIGN.md §5): the kernel behaviours a run can emulate. */
export const KERNEL_IDS = [
  'host', 'linux-5.10', 'linux-5.8', 'linux-5.2', 'container-eperm', 'no-proc', 'linux-5.8+no-proc',
] as const;
export type KernelId = (typeof KERNEL_IDS)[number];

/** `fdaudit kernels [NAME…]`: the kernel personalities, what each changes, and whether it can run here. */
import type { Command } from 'commander';
import { kernelAvailability, parseKernelList, personalities } from '../kernels/index.ts';
import type { KernelId } from '../kernels/types.ts';
import { UsageError } from './usage.ts';

export function registerKernels(program: Command): void {
  program
    .command('kernels')
    .argument('[names...]', 'personalities to show (default: all)')
    .description('list the kernel personalities a run can emulate (--kernel), what each changes, and whether it runs here')
    .action((names: string[]) => {
      let wanted: KernelId[];
      try {
        wanted = names.length > 0 ? parseKernelList(names) : personalities.map((p) => p.id);
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
      const width = Math.max(...wanted.map((id) => id.length));
      for (const p of personalities) {
        if (!wanted.includes(p.id)) continue;
        const why = kernelAvailability(p.id);
        process.stdout.write(`${p.id.padEnd(width)}  ${p.description}${why ? ` (unavailable here: ${why})` : ''}\n`);
      }
    });
}

/**
 * Resident memory ballast: Buffers allocated in this process and touched page by page, so fork() has real
 * page tables to copy. Released with a forced garbage collection so the next level starts small again.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MiB = 1024 * 1024;
const CHUNK = 64 * MiB;
const PAGE = 4096;

export const rssMiB = (): number => Math.round(process.memoryUsage.rss() / MiB);

let collect: (() => void) | undefined;
/** A handle on V8's collector without starting Node with --expose-gc. */
function gc(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    // A fresh context sees the flag; the function it returns collects the whole isolate.
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}

export class Ballast {
  private chunks: Buffer[] = [];

  /** Grows this process's resident set to about `targetMiB` (never shrinks it); returns the RSS reached. */
  growTo(targetMiB: number): number {
    if (!Number.isFinite(targetMiB) || targetMiB < 0) throw new RangeError(`memory target must be a size in MiB, got ${targetMiB}`);
    while (process.memoryUsage.rss() < targetMiB * MiB) {
      const missing = targetMiB * MiB - process.memoryUsage.rss();
      const size = Math.max(PAGE, Math.min(CHUNK, Math.ceil(missing / PAGE) * PAGE));
      const buf = Buffer.allocUnsafeSlow(size);
      // One write per page is enough to make it resident; fill() would cost a full pass.
      for (let off = 0; off < size; off += PAGE) buf[off] = 1;
      this.chunks.push(buf);
    }
    return rssMiB();
  }

  get heldMiB(): number {
    return Math.round(this.chunks.reduce((n, c) => n + c.length, 0) / MiB);
  }

  /** Drops every chunk and collects, so the memory goes back to the system. */
  release(): number {
    this.chunks = [];
    gc();
    gc();
    return rssMiB();
  }
}

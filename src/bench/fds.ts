/** Non-CLOEXEC fds held open in a process, as a careless parent would have them. */
import * as fdops from '../native/fdops.ts';

/** Most fds this process can hold open besides its own (soft RLIMIT_NOFILE minus a margin for Node). */
export function fdHeadroom(margin = 200): number {
  const { soft } = fdops.getRlimitNofile();
  return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Math.max(0, soft - margin);
}

export class OpenFds {
  private fds: number[] = [];

  /** Opens `count` non-CLOEXEC fds (duplicates of /dev/null), all at numbers above stdio. */
  constructor(count: number) {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`open fd count must be a non-negative integer, got ${count}`);
    if (count > fdHeadroom()) {
      throw new RangeError(`cannot hold ${count} fds open: RLIMIT_NOFILE allows about ${fdHeadroom()} more here`);
    }
    if (count === 0) return;
    try {
      const first = fdops.open('/dev/null', 'r', false);
      this.fds.push(first);
      while (this.fds.length < count) this.fds.push(fdops.dupAbove(first, 3, false));
    } catch (err) {
      this.close();
      throw err;
    }
  }

  get count(): number {
    return this.fds.length;
  }

  /** Idempotent. */
  close(): void {
    for (const fd of this.fds) fdops.close(fd);
    this.fds = [];
  }
}

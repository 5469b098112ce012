/**
 * A pure model of the sealed launcher's fd plan (DESIGN.md §2, §5 options):
 * from the parent's fd table and the options, the child's fd table — which
 * parent open file each child fd refers to, by identity — or the refusal
 * validation must give before anything starts. No I/O: the property test
 * feeds it a snapshot and compares its answer with what a real child saw.
 */

/** One open fd of the parent: its identity (DEV:INO:ACC[...]) and its close-on-exec flag. */
export interface ParentFd {
  identity: string;
  cloexec: boolean;
}

export type ParentTable = ReadonlyMap<number, ParentFd>;

export interface PlanOptions {
  stdio?: ReadonlyArray<number | null>;
  keep?: readonly number[];
  seal?: boolean;
}

export type Prediction =
  | { refused: 'TypeError' | 'RangeError'; /** The argument the message must name, e.g. "options.keep[1]". */ arg: string }
  | { refused: null; /** child fd → identity of the parent open file it refers to; every other fd is absent. */ child: Map<number, string> };

const MAX_FD = 0x7fffffff;

/** The refusal a single fd argument earns, or null when it names an open fd. */
function fdProblem(v: unknown, parent: ParentTable): 'TypeError' | 'RangeError' | null {
  if (typeof v !== 'number' || !Number.isInteger(v)) return 'TypeError';
  if (v < 0 || v > MAX_FD) return 'RangeError';
  return parent.has(v) ? null : 'RangeError';
}

export function predictChild(parent: ParentTable, options: PlanOptions): Prediction {
  // Default stdio: the parent's 0, 1, 2, each closed one staying closed; never a refusal.
  const slots: Array<number | null> = options.stdio === undefined
    ? [0, 1, 2].map((fd) => (parent.has(fd) ? fd : null))
    : [...options.stdio];
  if (options.stdio !== undefined) {
    for (const [i, src] of slots.entries()) {
      if (src === null) continue;
      const p = fdProblem(src, parent);
      if (p) return { refused: p, arg: `options.stdio[${i}]` };
    }
  }
  const n = slots.length;
  const keep = options.keep ?? [];
  for (const [i, k] of keep.entries()) {
    const p = fdProblem(k, parent);
    if (p) return { refused: p, arg: `options.keep[${i}]` };
    if (k < n) return { refused: 'RangeError', arg: `options.keep[${i}]` };
  }

  const child = new Map<number, string>();
  const identityOf = (fd: number): string => {
    const p = parent.get(fd);
    if (!p) throw new Error(`model: fd ${fd} passed validation but is not in the parent table`);
    return p.identity;
  };
  // Slot i holds its source's open file whatever else the plan moves, CLOEXEC or not.
  for (const [i, src] of slots.entries()) if (src !== null) child.set(i, identityOf(src));
  // Kept fds cross at their own number, CLOEXEC or not.
  for (const k of keep) child.set(k, identityOf(k));
  // Unsealed: every other non-CLOEXEC fd at or above the slots crosses too; below n the plan decides.
  if (options.seal === false) {
    for (const [fd, p] of parent) if (fd >= n && !p.cloexec && !child.has(fd)) child.set(fd, p.identity);
  }
  return { refused: null, child };
}

/** "fd=identity" lines, sorted by fd: a readable form for comparing tables in assertion messages. */
export function tableLines(table: ReadonlyMap<number, string>): string[] {
  return [...table].sort(([a], [b]) => a - b).map(([fd, id]) => `${fd}=${id}`);
}

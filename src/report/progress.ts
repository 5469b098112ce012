/**
 * A one-line progress display on stderr (`[12/40] node:spawn › pipe`), redrawn in place.
 * Silent when the stream is not a terminal, so logs and pipes get nothing.
 */
import { oneLine, truncate } from './cells.ts';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

export interface ProgressOptions {
  /** Force the display on or off; by default it shows only when the stream is a TTY. */
  enabled?: boolean;
}

// Carriage return, then erase to end of line: the next draw starts on a clean line.
const CLEAR = '\r\u001b[K';

export class Progress {
  readonly enabled: boolean;
  private readonly stream: ProgressStream;
  private total = 0;
  private current = 0;
  private drawn = false;

  constructor(stream: ProgressStream = process.stderr, options: ProgressOptions = {}) {
    this.stream = stream;
    this.enabled = options.enabled ?? stream.isTTY === true;
  }

  /** Begins a run of `total` steps. */
  start(total: number): void {
    if (!Number.isSafeInteger(total) || total < 0) {
      throw new RangeError(`progress total must be a non-negative integer, got ${total}`);
    }
    this.total = total;
    this.current = 0;
  }

  /** Shows step `current` of the total, labelled (e.g. "node:spawn › pipe"). */
  update(current: number, label: string): void {
    if (!Number.isSafeInteger(current) || current < 0) {
      throw new RangeError(`progress step must be a non-negative integer, got ${current}`);
    }
    this.current = current;
    if (!this.enabled) return;
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    // A line longer than the terminal would wrap, and \r would then redraw only its tail.
    const line = truncate(`${this.counter()} ${oneLine(label)}`, width);
    this.stream.write(`${CLEAR}${line}`);
    this.drawn = true;
  }

  /** Advances one step and shows it. */
  tick(label: string): void {
    this.update(this.current + 1, label);
  }

  /** Erases the line so whatever prints next starts clean. */
  done(): void {
    if (this.enabled && this.drawn) this.stream.write(CLEAR);
    this.drawn = false;
  }

  private counter(): string {
    const total = String(this.total);
    return `[${String(this.current).padStart(total.length)}/${total}]`;
  }
}

/**
 * A round server: a child process that performs one timed round trip per request line and answers with one
 * JSON line `{"us": T, ...}` or `{"error": "..."}`. The C floor, Python's subprocess and the per-personality
 * workers all speak it, so the benchmark can interleave them round by round with its in-process launchers.
 * The time is measured inside the server: the pipe between us adds nothing to it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RoundAnswer {
  us: number;
  [key: string]: unknown;
}

export class RoundServer {
  private readonly child: ChildProcess;
  private readonly waiting: Array<{ resolve: (line: string) => void; reject: (err: Error) => void }> = [];
  private stderr = '';
  private exited: Promise<void>;
  private gone: Error | null = null;

  /** Starts `argv` with pipes on stdin/stdout/stderr; waits for nothing (the first round does). */
  constructor(readonly name: string, argv: readonly string[], env?: NodeJS.ProcessEnv) {
    const [file, ...args] = argv;
    if (file === undefined) throw new RangeError(`round server ${name}: empty argv`);
    this.child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    this.child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-4000);
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.waiting.shift()?.resolve(line));
    this.exited = new Promise((resolve) => {
      const fail = (why: string): void => {
        this.gone ??= new Error(`round server ${name} ${why}${this.stderr.trim() ? `: ${this.stderr.trim()}` : ''}`);
        for (const w of this.waiting.splice(0)) w.reject(this.gone);
        resolve();
      };
      this.child.once('error', (err) => fail(`could not start (${err.message})`));
      this.child.once('close', (code, signal) => fail(signal ? `was killed by ${signal}` : `exited with status ${code}`));
    });
    // A request written after the child died must not crash the benchmark with EPIPE.
    this.child.stdin?.on('error', () => {});
  }

  /** One round: sends `request` and returns the server's answer; throws on `{"error": …}` or a dead server. */
  async round(request = 'round'): Promise<RoundAnswer> {
    if (this.gone) throw this.gone;
    const line = await new Promise<string>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin!.write(`${request}\n`);
    });
    let answer: unknown;
    try {
      answer = JSON.parse(line);
    } catch {
      throw new Error(`round server ${this.name} answered with something that is not JSON: ${line.slice(0, 200)}`);
    }
    const a = answer as { us?: unknown; error?: unknown };
    if (typeof a.error === 'string') throw new Error(`${this.name}: ${a.error}`);
    if (typeof a.us !== 'number' || !Number.isFinite(a.us)) throw new Error(`round server ${this.name} answered without a time: ${line.slice(0, 200)}`);
    return answer as RoundAnswer;
  }

  /** Closes its stdin (servers exit at end of input) and waits; kills it if it lingers. */
  async stop(graceMs = 5000): Promise<void> {
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

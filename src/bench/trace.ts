/**
 * The `trace` scenario: what `fdaudit trace` costs the program it follows, and what it holds.
 *
 * loop: a shell loop of N `/bin/true` runs, untraced and under `fdaudit trace` end to end (node starting,
 *       the tracer, every exec recorded and judged, trace.json, junit.xml, summary.md and index.html
 *       written), interleaved round by round; the bare native tracer is a third row. Ratios are to the
 *       untraced loop of the same round set.
 * tree: a tree of N execs (100 shells, each running N/100 - 1 `/bin/true`) under the native tracer alone;
 *       its own max RSS (getrusage in the tracer) at each size says whether its memory stays bounded.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../native/paths.ts';
import { runTracer } from '../trace/tracer.ts';
import { runInterleaved, type Contender } from './rounds.ts';
import { ratio, summarize } from './stats.ts';
import type { BenchRow } from './types.ts';

export interface TraceSizes {
  /** /bin/true runs in the loop. */
  loopExecs: number;
  loopRounds: number;
  loopWarmup: number;
  /** Exec counts of the tree levels (the memory measure). */
  treeExecs: number[];
}

/** `sh -c` text of a loop running /bin/true n times. */
export function loopScript(n: number): string {
  return `i=0; while [ $i -lt ${n} ]; do /bin/true; i=$((i+1)); done`;
}

/** `sh -c` text of a tree of about n execs: 100 shells (or fewer), each running its share of /bin/true. */
export function treeScript(n: number): string {
  const shells = Math.min(100, Math.max(1, Math.floor(n / 10)));
  const each = Math.max(0, Math.floor(n / shells) - 1);
  return `i=0; while [ $i -lt ${shells} ]; do sh -c 'j=0; while [ $j -lt ${each} ]; do /bin/true; j=$((j+1)); done'; i=$((i+1)); done`;
}

/** How to start the fdaudit CLI: the compiled one when this package has it (what users run), else the sources under tsx. */
export function cliArgv(): { argv: string[]; entry: 'dist' | 'sources' } {
  const dist = join(packageRoot, 'bin', 'fdaudit.js');
  if (existsSync(join(packageRoot, 'dist', 'cli.js'))) return { argv: [process.execPath, dist], entry: 'dist' };
  return { argv: [process.execPath, '--import', import.meta.resolve('tsx'), join(packageRoot, 'src', 'cli.ts')], entry: 'sources' };
}

/** Runs argv to its end and returns the wall time in µs; a non-zero exit is an error of the round. */
function timed(argv: readonly string[], what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv as [string, ...string[]];
    const start = process.hrtime.bigint();
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 2000) stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const us = Number(process.hrtime.bigint() - start) / 1000;
      if (code === 0) resolve(us);
      else reject(new Error(`${what} ${signal ? `was killed by ${signal}` : `exited with ${code}`}: ${stderr.trim().split('\n').slice(-2).join(' | ')}`));
    });
  });
}

export async function traceScenario(sizes: TraceSizes, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const out = mkdtempSync(join(tmpdir(), 'fdaudit-bench-trace-'));
  try {
    const script = loopScript(sizes.loopExecs);
    const cli = cliArgv();
    const tracer = join(packageRoot, 'build', 'out', 'fdaudit-trace');
    const contenders: Contender[] = [
      { launcher: 'untraced', params: { level: 'loop' }, round: () => timed(['/bin/sh', '-c', script], 'the untraced loop') },
      {
        launcher: 'fdaudit trace',
        params: { level: 'loop', entry: cli.entry },
        round: () => timed([...cli.argv, 'trace', '--out', out, '--', '/bin/sh', '-c', script], 'fdaudit trace'),
      },
      {
        launcher: 'fdaudit-trace',
        params: { level: 'loop' },
        round: () => timed([tracer, '--report', '/dev/null', '--', '/bin/sh', '-c', script], 'fdaudit-trace'),
      },
    ];
    const results = await runInterleaved(contenders, {
      rounds: sizes.loopRounds,
      warmup: sizes.loopWarmup,
      onRound: (done, total) => log(`trace loop (${sizes.loopExecs} × /bin/true): round ${done}/${total}`),
    });
    const base = summarize(results[0]?.samples ?? []).median_us;
    for (const { contender, samples, error } of results) {
      const s = summarize(samples);
      const row: BenchRow = {
        scenario: 'trace',
        launcher: contender.launcher,
        params: { ...contender.params, execs: sizes.loopExecs, vs_untraced: ratio(s.median_us, base) },
        ...s,
        ratios: { floor: null, 'node:spawnSync': null },
      };
      if (error !== undefined) row.error = error;
      rows.push(row);
    }

    for (const n of sizes.treeExecs) {
      log(`trace tree: ${n} execs under the tracer`);
      const start = process.hrtime.bigint();
      let execs = 0;
      const row: BenchRow = {
        scenario: 'trace',
        launcher: 'fdaudit-trace',
        params: { level: 'tree', execs: n },
        n: 0,
        median_us: null,
        p95_us: null,
        min_us: null,
        ratios: { floor: null, 'node:spawnSync': null },
      };
      try {
        const outcome = await runTracer(['/bin/sh', '-c', treeScript(n)], {}, () => {
          execs++;
        });
        const us = Number(process.hrtime.bigint() - start) / 1000;
        Object.assign(row, summarize([us]));
        row.params = {
          level: 'tree',
          execs,
          max_rss_kib: outcome.stats?.maxRssKiB ?? null,
          peak_tasks: outcome.stats?.peakTasks ?? null,
        };
      } catch (err) {
        row.error = (err as Error).message;
      }
      rows.push(row);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return rows;
}

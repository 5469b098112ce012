/** `fdaudit bench`: the benchmark from the command line. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { renderBenchTables } from './table.ts';
import { runBench } from './run.ts';
import { SCENARIOS } from './types.ts';

interface BenchCliOptions {
  quick?: boolean;
  out: string;
  scenario?: string[];
  rounds?: number;
  warmup?: number;
  strict?: boolean;
  quiet?: boolean;
}

function count(what: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}, got '${value}'`);
    return n;
  };
}

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value.split(',').map((s) => s.trim()).filter(Boolean),
];

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('benchmark launch round trips (parent memory, open fds, kernel personalities, stress) and fdaudit trace; writes bench.json, SVG charts and index.html')
    .option('--quick', 'a smoke run: tiny sizes and a few rounds (figures not worth quoting)')
    .option('--out <dir>', 'output directory', 'reports')
    .option('--scenario <name...>', `scenarios to run (repeatable or comma-separated): ${SCENARIOS.join(', ')}`, collect)
    .option('--rounds <n>', 'timed rounds per level, for every interleaved scenario', count('--rounds', 1))
    .option('--warmup <n>', 'untimed rounds before them', count('--warmup', 0))
    .option('--strict', 'exit 1 when a target is missed')
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText('after', `
Examples:
  fdaudit bench --quick --out /tmp/bench
  fdaudit bench --scenario memory --scenario fds
  npm run bench`)
    .action(async (opts: BenchCliOptions) => {
      const argv = process.argv.slice(2).join(' ');
      const { report, files } = await runBench({
        quick: opts.quick === true,
        out: opts.out,
        ...(opts.scenario ? { scenarios: opts.scenario } : {}),
        ...(opts.rounds !== undefined ? { rounds: opts.rounds } : {}),
        ...(opts.warmup !== undefined ? { warmup: opts.warmup } : {}),
        log: opts.quiet ? undefined : (line) => process.stderr.write(`bench: ${line}\n`),
        command: `fdaudit ${argv}`,
      });
      process.stdout.write(renderBenchTables(report));
      process.stdout.write(`\nwrote ${files.join(', ')}\n`);
      const missed = report.targets.filter((t) => t.met === false);
      if (opts.strict && missed.length > 0) {
        throw new Error(`${missed.length} target${missed.length === 1 ? '' : 's'} missed: ${missed.map((t) => t.id).join(', ')}`);
      }
    });
}

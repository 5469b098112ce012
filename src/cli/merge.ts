/** `fdaudit merge FILE|DIR…`: the reports of several runs as one. Exit 0, 1 when a merged run failed a test, 2 on bad input. */
import type { Command } from 'commander';
import { MERGE_REPORTERS, mergeAction, type MergeCliOptions } from '../orchestrate/merge.ts';
import { collectList } from './usage.ts';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('combine the audit.json files of several runs (hosts, kernels) into one set of reports')
    .argument('<inputs...>', 'audit.json files, or directories searched for audit.json (recursively)')
    .option('--out <dir>', 'directory for the merged audit.json, junit.xml, summary.md and index.html', 'reports')
    .option('--reporter <name>', `output to produce: ${MERGE_REPORTERS.join(', ')} (repeatable; default table, json, junit, summary)`, collectList)
    .option('--no-color', 'no colours in the table')
    .addHelpText('after', `
Results are keyed by host name (fdaudit run --host-name) and kernel personality. A junit.xml beside an
audit.json is merged too. Overlaps are reported on stderr and in the summary: a report read twice counts
once; for one host, kernel and launcher with different results, a leak is kept over an error, an error
over sealed, sealed over skipped, and on a tie the input named first.

Exit status: 0 merged, 1 a merged run had a failed test, 2 bad input (a missing file, invalid JSON,
another report version, a directory without audit.json).

Examples:
  fdaudit merge artifacts/ --out merged
  fdaudit merge a/audit.json b/audit.json --reporter table`)
    .action((inputs: string[], opts: MergeCliOptions) => {
      mergeAction(inputs, opts);
    });
}

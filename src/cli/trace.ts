/**
 * `fdaudit trace [options] -- COMMAND [ARG]...`: the command line of a trace. Parsing and wiring only;
 * the trace itself is src/orchestrate/trace.ts. Exit: COMMAND's non-zero status when it fails, else 1
 * when an exec inherited an fd the policy does not allow, else 0; 2 on a usage error or when ptrace is
 * refused.
 */
import type { Command } from 'commander';
import { TRACE_REPORTERS, type TraceCliOptions } from '../orchestrate/trace-plan.ts';
import { traceAction } from '../orchestrate/trace.ts';
import { collectList, collectWhole, ExitWith } from './usage.ts';

export function registerTrace(program: Command): void {
  program
    .command('trace')
    .description("run COMMAND, follow its process tree, and report what every exec'd program inherited; exit 1 when an fd beyond 0, 1, 2 crossed that is not allowed")
    .argument('[command...]', 'the command to run (after --)')
    .option('--allow <rule>', "allow more than 0, 1, 2: 'fd=3', 'target=/dev/null', 'program=make', 'type=pty', or several joined by commas (repeatable)", collectWhole)
    .option('--pass <fd>', 'pass this fd of fdaudit to COMMAND on purpose (repeatable); wherever it shows up it is allowed', collectList)
    .option('--out <dir>', 'directory for trace.json, junit.xml, summary.md and index.html', 'reports')
    .option('--reporter <name>', `output to produce: ${TRACE_REPORTERS.join(', ')} (repeatable; default table, json, junit, summary)`, collectList)
    .option('--json <file>', "write trace.json to FILE instead of --out; '-' for standard output (COMMAND's output then goes to standard error)")
    .option('--config <file>', 'config file with trace.allow rules (default: fdaudit.config.{ts,mjs,js} in the working directory)')
    .option('--kernel <id>', 'run the traced tree under a kernel personality (see fdaudit kernels)')
    .option('--no-color', 'no colours in the table')
    .passThroughOptions()
    .addHelpText('after', `
COMMAND starts with fds 0, 1 and 2 only (and the --pass fds), default signal dispositions and a soft
RLIMIT_NOFILE of at most 1024, so nothing of fdaudit's own reaches it. Every exec in its tree is held to
that: nothing beyond 0, 1, 2 unless a rule allows it.

Exit status: COMMAND's own when it fails (128+N when signal N killed it), else 1 when an exec inherited an
fd that is not allowed, else 0; 2 usage error, or ptrace refused (the message names the cause and the fix).

Examples:
  fdaudit trace -- npm test
  fdaudit trace --allow 'program=make,type=pipe' -- make -j4
  fdaudit trace --allow 'target=/dev/null' --out ci-reports -- ./run-integration.sh
  fdaudit trace --json - -- python3 app.py | jq '.execs[] | select(.violations != [])'`)
    .action(async (command: string[], opts: TraceCliOptions) => {
      const code = await traceAction(command, opts);
      if (code !== 0) throw new ExitWith(code);
    });
}

/** `fdaudit probe`: the probe's path, or one probe report of a child started by a launcher. */
import type { Command } from 'commander';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TIMEOUT_MS } from '../audit/audit.ts';
import { probeArgv, probePath } from '../probe/path.ts';
import { selectLaunchers } from '../orchestrate/selection.ts';
import { collectWhole, positiveInt, UsageError } from './usage.ts';

interface ProbeOptions {
  path?: boolean;
  launcher: string;
  exec?: string[];
  config?: string;
  timeout: number;
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('print the probe report of a child started by a launcher (default: native), or --path of the probe')
    .option('--path', 'print the absolute path of the fdaudit-probe executable and exit')
    .option('--launcher <id>', 'launcher that starts the probe', 'native')
    .option('--exec <name=template>', 'define an external launcher ext:NAME for --launcher (repeatable)', collectWhole)
    .option('--config <file>', 'config file (default: fdaudit.config.{ts,mjs,js} in the working directory)')
    .option('--timeout <ms>', 'timeout for the launch', positiveInt('--timeout'), DEFAULT_TIMEOUT_MS)
    .addHelpText('after', `
Examples:
  fdaudit probe --path
  "$(fdaudit probe --path)" --report -      # run the probe by hand
  fdaudit probe --launcher node:spawn`)
    .action(async (opts: ProbeOptions) => {
      if (opts.path) {
        process.stdout.write(`${probePath()}\n`);
        return;
      }
      const { launchers } = await selectLaunchers({ launcher: [opts.launcher], exec: opts.exec, config: opts.config });
      const launcher = launchers[0];
      if (!launcher) throw new UsageError(`unknown launcher '${opts.launcher}'`);
      const why = await launcher.unavailable();
      if (why) throw new Error(`${launcher.id} is not available here: ${why}`);
      const dir = mkdtempSync(join(tmpdir(), 'fdaudit-probe-'));
      try {
        const reportPath = join(dir, 'report.json');
        const outcome = await launcher.run({ probeArgv: probeArgv(reportPath), reportPath, keep: [], baitFds: [], timeoutMs: opts.timeout });
        if (outcome.signal !== null || outcome.code !== 0) {
          const how = outcome.signal !== null ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`;
          throw new Error(`the probe ${how}${outcome.stderr ? `: ${outcome.stderr.trim()}` : ''}`);
        }
        process.stdout.write(readFileSync(reportPath, 'utf8'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
}

/**
 * The console output of one spec file under `npm test`: a header per group, one line per test (a skip
 * with its reason, whichever way it was skipped), and japa's detailed error printout at the end. No
 * per-file summary: bin/test.ts prints one summary for the whole run.
 */
import { BaseReporter } from '@japa/runner/core';
import type { NamedReporterContract } from '@japa/runner/types';
import pc from 'picocolors';
import { readMark } from '../../src/runner/marks.ts';

type TestEnd = Parameters<BaseReporter['onTestEnd']>[0];
type GroupStart = Parameters<BaseReporter['onGroupStart']>[0];

function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`;
}

/** Why a finished test counts as skipped, or null when it ran: japa's skip, a todo, or results it could not judge here. */
export function skipReason(t: TestEnd): string | null {
  if (t.hasError) return null;
  if (t.isSkipped) return t.skipReason || 'skipped';
  if (t.isTodo) return 'todo';
  return readMark(t.meta as Record<string, unknown>).skipped ?? null;
}

class LineReporter extends BaseReporter {
  protected override onGroupStart(g: GroupStart): void {
    console.log(`\n${g.title}`);
  }

  protected override onTestEnd(t: TestEnd): void {
    const time = pc.dim(`(${duration(t.duration)})`);
    const reason = skipReason(t);
    if (t.hasError) console.log(`  ${pc.red('✖')} ${t.title.expanded} ${time}`);
    else if (reason !== null) console.log(`  ${pc.yellow('⊘')} ${t.title.expanded} ${pc.yellow(`skipped: ${reason}`)}`);
    else console.log(`  ${pc.green('✔')} ${t.title.expanded} ${time}`);
  }

  protected override async end(): Promise<void> {
    if (this.runner) await this.printErrors(this.runner.getSummary());
  }
}

export function lineReporter(): NamedReporterContract {
  return {
    name: 'fdaudit-test-lines',
    handler: (runner, emitter) => new LineReporter().boot(runner, emitter),
  };
}

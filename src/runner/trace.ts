/**
 * Traces in specs: the `trace` fixture runs a command under fdaudit's tracer and returns every exec it
 * saw, and `assert.noExecInherited(result, { allow })` fails naming each exec that inherited an fd
 * beyond 0, 1 and 2 that the rules do not allow. So "our CLI's children start clean" is a spec:
 *
 *   test('our CLI starts its children clean', async ({ trace, assert }) => {
 *     assert.noExecInherited(await trace(['node', 'bin/cli.js', 'build']), { allow: ['program=make,type=pipe'] })
 *   })
 */
import { Assert } from '@japa/assert';
import { TestContext } from '@japa/runner/core';
import { basename } from 'node:path';
import { judgeExec, parseAllowRules } from '../trace/policy.ts';
import { traceCommand, type TraceOptions, type TraceResult } from '../trace/run.ts';
import type { ExecRecord, Violation } from '../trace/types.ts';

export type TraceFixture = (argv: readonly string[], options?: TraceOptions) => Promise<TraceResult>;

export interface NoExecInheritedOptions {
  /** Rules as `fdaudit trace --allow` takes them; the trace's own rules and --pass fds count too. */
  allow?: readonly string[];
}

declare module '@japa/runner/core' {
  interface TestContext {
    /** Runs argv under the tracer (sealed: only 0, 1, 2 and `pass` reach it) and returns every exec. */
    trace: TraceFixture;
  }
}

declare module '@japa/assert' {
  interface Assert {
    /** No exec of the trace inherited an fd beyond 0, 1 and 2 that the rules do not allow. */
    noExecInherited(trace: TraceResult, options?: NoExecInheritedOptions): void;
  }
}

function describeExec(e: ExecRecord, violations: readonly Violation[]): string {
  const by = e.via === 'exec' ? `exec'd by ${basename(e.parentProgram)} in its place` : `started by ${basename(e.parentProgram)} pid ${e.ppid}`;
  const fds = violations.map((v) => `fd ${v.fd} (${v.target})`).join(', ');
  return `${e.program} (pid ${e.pid}, ${by}) inherited ${fds}`;
}

/** The failure text: every offending exec (the first ten spelled out), and the command traced. */
export function noExecInheritedMessage(trace: TraceResult, offenders: readonly { exec: ExecRecord; violations: Violation[] }[]): string {
  const shown = offenders.slice(0, 10).map((o) => describeExec(o.exec, o.violations));
  const more = offenders.length > 10 ? `; and ${offenders.length - 10} more` : '';
  const cmd = trace.command.join(' ');
  return `${offenders.length} of ${trace.execs.length} execs inherited fds beyond 0, 1, 2 that are not allowed: ${shown.join('; ')}${more} [trace: ${cmd.length > 120 ? `${cmd.slice(0, 119)}…` : cmd}]`;
}

let installed = false;

export function installTrace(): void {
  if (installed) return;
  installed = true;

  TestContext.getter('trace', (): TraceFixture => (argv, options) => traceCommand(argv, options), true);

  Assert.macro('noExecInherited', function (this: Assert, trace: TraceResult, options: NoExecInheritedOptions = {}) {
    if (!trace || typeof trace !== 'object' || !Array.isArray((trace as TraceResult).execs)) {
      throw new TypeError(`assert.noExecInherited() takes a trace result (from the trace fixture), got ${String(trace)}`);
    }
    if (options === null || typeof options !== 'object') throw new TypeError('assert.noExecInherited(trace, options): options must be an object');
    const rules = parseAllowRules([...trace.allow, ...(options.allow ?? [])]);
    this.incrementAssertionsCount();
    if (trace.execs.length === 0) {
      throw new this.AssertionError(`the trace recorded no exec at all [trace: ${trace.command.join(' ')}]`, { actual: 0, expected: '>= 1', showDiff: false });
    }
    const offenders = trace.execs
      .map((exec) => ({ exec, violations: judgeExec(exec, { rules, passed: trace.passed }).violations }))
      .filter((o) => o.violations.length > 0);
    if (offenders.length) {
      throw new this.AssertionError(noExecInheritedMessage(trace, offenders), {
        actual: offenders.map((o) => ({ program: o.exec.program, pid: o.exec.pid, fds: o.violations.map((v) => v.fd) })),
        expected: [],
        showDiff: false,
      });
    }
  });
}

/**
 * The progress line for runs without a console reporter (`--reporter table,junit …`): `[12/40] native ›
 * pipe` on stderr, redrawn in place, nothing when stderr is not a terminal.
 */
import type { Refiner } from '@japa/runner/core';
import type { NamedReporterContract } from '@japa/runner/types';
import { Progress, type ProgressStream } from '../report/progress.ts';

interface Countable {
  tests?: Countable[];
  stack?: Countable[];
  dataset?: unknown;
}

/** Tests the run will execute: dataset rows count one each; tests the refiner filters out do not count. */
function countTests(nodes: readonly Countable[], refiner: Refiner | undefined): number {
  let n = 0;
  for (const node of nodes) {
    const children = node.tests ?? node.stack;
    if (children) {
      n += countTests(children, refiner);
      continue;
    }
    if (refiner && !refiner.allows(node as Parameters<Refiner['allows']>[0])) continue;
    n += Array.isArray(node.dataset) ? node.dataset.length : 1;
  }
  return n;
}

export function progressReporter(refiner?: Refiner, stream: ProgressStream = process.stderr): NamedReporterContract {
  return {
    name: 'fdaudit-progress',
    handler: (runner, emitter) => {
      const progress = new Progress(stream);
      emitter.on('runner:start', () => progress.start(countTests(runner.suites as unknown as Countable[], refiner)));
      emitter.on('test:end', (t) => progress.tick(t.title.expanded));
      emitter.on('runner:end', () => progress.done());
    },
  };
}

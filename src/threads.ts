/** Worker threads running a module of this package, from compiled JavaScript or from TypeScript source. */
import { Worker } from 'node:worker_threads';

/** A module that throws when evaluated: imported first, it stops the evaluation of what follows. */
const STOP = 'data:text/javascript,throw%20new%20Error(%22link%20only%22)';

/**
 * Loads and links `modules` and everything they import, in this thread, without evaluating any of
 * them: a module loader (tsx from source) compiles and caches them. Rejects with what stopped the
 * linking (a module that does not load).
 */
export async function linkWithoutRunning(modules: readonly URL[]): Promise<void> {
  const source = [STOP, ...modules.map((m) => m.href)].map((u) => `import ${JSON.stringify(u)};`).join('\n');
  try {
    await import(`data:text/javascript,${encodeURIComponent(source)}`);
  } catch (err) {
    if (!(err instanceof Error && err.message === 'link only')) throw err;
  }
}

/**
 * Compiles a `.ts` worker module and everything it imports in this thread, without running any of
 * it (linkWithoutRunning), so that tsx's cache holds them before a worker thread loads them. Call it (once) before
 * moduleWorker. Why: tsx's hooks are registered per thread, and a worker's hooks start a compiler
 * process of their own on a cache miss; when the worker ends, its event loop is gone and nothing
 * would ever reap that process. With everything cached, the worker never starts one. A no-op for
 * compiled JavaScript.
 */
export async function prepareModuleWorker(module: URL): Promise<void> {
  if (module.pathname.endsWith('.ts')) await linkWithoutRunning([module]);
}

/**
 * Starts `module` in a worker thread. A `.ts` module (running from source) is loaded through tsx,
 * whose hooks are registered per thread: the worker registers them before importing the module
 * (prepareModuleWorker first, so that they find it compiled).
 */
export function moduleWorker(module: URL, workerData?: unknown): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

export interface ReportingThread<T> {
  worker: Worker;
  /** The last message that is not `{ role: 'ready' }`; rejects if the thread exits without one. */
  result: Promise<T>;
  /** Settles when the thread posts `{ role: 'ready' }` (or exits). */
  ready: Promise<void>;
  /** Settles when the thread has exited. */
  exited: Promise<void>;
}

/** Follows a worker that posts `{ role: 'ready' }` once it has started its work, then its report. */
export function reportingThread<T>(worker: Worker, name = 'thread'): ReportingThread<T> {
  let onReady = (): void => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const result = new Promise<T>((resolve, reject) => {
    let got: T | undefined;
    worker.on('message', (m: T & { role?: string }) => {
      if (m.role === 'ready') onReady();
      else got = m;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      onReady();
      if (got !== undefined) resolve(got);
      else reject(new Error(`${name} exited with code ${code} before reporting`));
    });
  });
  return { worker, result, ready, exited };
}

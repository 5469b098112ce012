/**
 * An in-process adapter for cross-spawn, written as a user's fdaudit.config would write one:
 * spawn(file, args) as a drop-in for child_process.spawn, each kept fd passed at its own number.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { AdapterDefinition } from '../../user.ts';
import { loadOptional } from '../optional.ts';
import { stdioKeeping } from './execa.ts';

/** cross-spawn's export: a function with child_process.spawn's signature (it ships no types). */
type CrossSpawn = (file: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export const crossSpawnAdapter: AdapterDefinition = {
  id: 'cross-spawn',
  description: 'cross-spawn spawn(file, args) (in this process), a drop-in for child_process.spawn; kept fds passed through stdio',
  canPassFds: true,
  async launch(argv, { keep, signal }) {
    const mod = (await loadOptional('cross-spawn')) as { default: CrossSpawn };
    const [file, ...args] = argv;
    if (file === undefined) throw new TypeError('cross-spawn adapter: argv is empty');
    const child = mod.default(file, args, { stdio: stdioKeeping(keep, ['ignore', 'ignore', 'ignore']) as SpawnOptions['stdio'], signal, killSignal: 'SIGKILL' });
    return new Promise((resolve, reject) => {
      child.once('error', (err) => {
        // An abort is reported by the adapter interface itself; only a failure to start is ours.
        if ((err as NodeJS.ErrnoException).name !== 'AbortError') reject(err);
      });
      child.once('exit', (code, sig) => resolve({ code, signal: sig }));
    });
  },
};

export default crossSpawnAdapter;

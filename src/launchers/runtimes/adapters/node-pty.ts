/**
 * An in-process adapter for node-pty, written as a user's fdaudit.config would write one: the probe
 * runs in a new pseudo-terminal (forkpty), so its fds 0-2 are the pty's slave side. node-pty has no
 * way to pass other fds on purpose.
 */
import type { AdapterDefinition } from '../../user.ts';
import { loadOptional } from '../optional.ts';

/** The part of node-pty 1.x this adapter uses. */
interface Pty {
  onData(listener: (data: string) => void): unknown;
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): unknown;
  kill(signal?: string): void;
}
interface NodePtyModule {
  spawn(file: string, args: string[], options: { name: string; cols: number; rows: number; cwd: string; env: NodeJS.ProcessEnv }): Pty;
}

export const nodePtyAdapter: AdapterDefinition = {
  id: 'node-pty',
  description: 'node-pty spawn(file, args) (in this process): forkpty, the child\'s stdio is the pty; cannot pass fds',
  canPassFds: false,
  async launch(argv, { signal }) {
    const pty = (await loadOptional('node-pty')) as NodePtyModule;
    const [file, ...args] = argv;
    if (file === undefined) throw new TypeError('node-pty adapter: argv is empty');
    const term = pty.spawn(file, args, { name: 'xterm', cols: 80, rows: 24, cwd: process.cwd(), env: process.env });
    // Read what the child writes, so a chatty child never blocks on a full pty buffer.
    term.onData(() => {});
    const onAbort = (): void => term.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    return new Promise((resolve) => {
      // node-pty reports its exit after the pty's master side is closed: nothing is left open here.
      term.onExit(({ exitCode, signal: sig }) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ code: sig ? null : exitCode, signal: sig ? sig : null });
      });
    });
  },
};

export default nodePtyAdapter;

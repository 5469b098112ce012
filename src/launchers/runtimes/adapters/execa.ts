/**
 * An in-process adapter for execa, written as a user's fdaudit.config would write one: execa(file,
 * args) with its defaults (stdio pipes, `cleanup`), each kept fd passed at its own number.
 *
 *   // fdaudit.config.ts
 *   export default { launchers: [execaAdapter] }
 */
import type { AdapterDefinition } from '../../user.ts';
import { loadOptional } from '../optional.ts';

/** The part of execa 9 this adapter uses. */
interface ExecaModule {
  execa(
    file: string,
    args: readonly string[],
    options: { stdio: ReadonlyArray<string | number>; cancelSignal: AbortSignal; reject: boolean; forceKillAfterDelay: number },
  ): Promise<{ exitCode?: number; signal?: string }>;
}

/** stdio: execa's default pipes for 0-2, each kept fd at its own number, 'ignore' in the gaps. */
export function stdioKeeping(keep: readonly number[], low: readonly (string | number)[] = ['pipe', 'pipe', 'pipe']): Array<string | number> {
  const stdio: Array<string | number> = [...low];
  const top = Math.max(2, ...keep);
  for (let fd = 3; fd <= top; fd++) stdio.push(keep.includes(fd) ? fd : 'ignore');
  return stdio;
}

export const execaAdapter: AdapterDefinition = {
  id: 'execa',
  description: 'execa(file, args) (execa 9, in this process) with its defaults; kept fds passed through stdio',
  canPassFds: true,
  async launch(argv, { keep, signal }) {
    const { execa } = (await loadOptional('execa')) as ExecaModule;
    const [file, ...args] = argv;
    if (file === undefined) throw new TypeError('execa adapter: argv is empty');
    // reject: false — a non-zero exit is a result to report, not an exception.
    const r = await execa(file, args, { stdio: stdioKeeping(keep), cancelSignal: signal, reject: false, forceKillAfterDelay: 1000 });
    return { code: r.exitCode ?? null, signal: r.signal ?? null };
  },
};

export default execaAdapter;

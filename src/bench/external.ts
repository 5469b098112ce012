/**
 * Contenders that launch from another process: the C floor (its own vfork loop) and Python's subprocess
 * (CPython's own launcher, close_fds=True by default). Both run as round servers (server.ts), so they
 * interleave with the in-process launchers round by round.
 */
import { nativePath } from '../native/paths.ts';
import { findProgram } from '../launchers/process.ts';
import { RoundServer } from './server.ts';
import type { Contender } from './rounds.ts';

/** A contender whose rounds are requests to a round server. */
export function serverContender(server: RoundServer, launcher: string, request = 'round', params: Contender['params'] = {}): Contender {
  return {
    launcher,
    params,
    round: async () => {
      const answer = await server.round(request);
      // Workers say which close strategy sealed the child: worth a column when a personality forces a fallback.
      if (typeof answer.strategy === 'string') params.used = answer.strategy;
      return answer.us;
    },
  };
}

/** A contender that fails its first round with `reason` (its row then shows n = 0 and the reason). */
export function unavailableContender(launcher: string, reason: string, params?: Contender['params']): Contender {
  const c: Contender = {
    launcher,
    round: () => {
      throw new Error(reason);
    },
  };
  if (params) c.params = params;
  return c;
}

/** The C floor: vfork + execve + waitpid of `file` in a loop, one round per request. */
export function startFloor(file: string, args: readonly string[] = []): RoundServer {
  return new RoundServer('floor', [nativePath('fdaudit-floor'), '--serve', '--', file, ...args]);
}

/**
 * The floor loop with the child closing every fd >= 3 before execve, in the fds this server inherited:
 * `close_range` after vfork (the kernel copied the whole fd table), or `unshare` (the child shares the
 * table through CLONE_FILES and close_range(CLOSE_RANGE_UNSHARE) copies only fds 0..2). What sealing
 * costs the kernel, below any launcher.
 */
export function startSealedFloor(file: string, seal: 'close_range' | 'unshare'): RoundServer {
  return new RoundServer(`floor:${seal}`, [nativePath('fdaudit-floor'), '--serve', '--seal', seal, '--', file]);
}

/** The sealed launcher's C core (fda_spawn) in the floor's loop: no JavaScript, no Node-API; `strategy` forces one. */
export function startCore(file: string, strategy?: string): RoundServer {
  const forced = strategy === undefined ? [] : ['--strategy', strategy];
  return new RoundServer(strategy === undefined ? 'core' : `core:${strategy}`, [nativePath('fdaudit-corebench'), '--serve', ...forced, '--', file]);
}

// Times subprocess.run() itself, with every default (close_fds=True; the fds this process inherited from
// the benchmark are exactly what its launcher has to close).
const PYTHON_SERVER = `
import subprocess, sys, time
argv = [sys.argv[1]]
while True:
    line = sys.stdin.readline()
    if not line:
        break
    t0 = time.perf_counter_ns()
    try:
        r = subprocess.run(argv)
        dt = time.perf_counter_ns() - t0
        out = '{"us": %.3f}' % (dt / 1000) if r.returncode == 0 else '{"error": "exit status %d"}' % r.returncode
    except OSError as e:
        out = '{"error": "%s"}' % str(e).replace('"', "'")
    sys.stdout.write(out + "\\n")
    sys.stdout.flush()
`;

/** Python's subprocess.run, or null when python3 is not installed (the reason is then returned). */
export function startPython(file: string): RoundServer | string {
  const python = findProgram('python3');
  if (python === null) return 'python3 is not installed';
  return new RoundServer('ext:python-subprocess', [python, '-c', PYTHON_SERVER, file]);
}

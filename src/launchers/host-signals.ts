/**
 * The launching process's own signal state, handed on to an external launcher so that its row
 * shows what THAT program passes on: the thread's blocked mask and every ignored disposition.
 */
import { signalDisposition, threadSignalMask } from '../native/fdops.ts';
import { SIGRTMAX, signalName } from '../native/signals.ts';

/** Signals whose disposition cannot be changed; asking for them only adds noise. */
const FIXED = new Set(['SIGKILL', 'SIGSTOP']);

/** Names of every signal this process ignores (SIG_IGN). */
export function ignoredSignals(): string[] {
  const out: string[] = [];
  for (let n = 1; n <= SIGRTMAX; n++) {
    let name: string;
    try {
      name = signalName(n);
    } catch {
      continue;
    }
    // glibc keeps 32 and 33 for itself (thread cancellation, setxid); their state is not the caller's.
    if (FIXED.has(name) || name === 'SIG32' || name === 'SIG33') continue;
    try {
      if (signalDisposition(name) === 'ignore') out.push(name);
    } catch {
      /* a number the kernel refuses to describe: not ignored */
    }
  }
  return out;
}

/** Blocked signals of the calling thread (the one that launches). */
export function blockedSignals(): string[] {
  return threadSignalMask().filter((s) => s !== 'SIG32' && s !== 'SIG33');
}

/**
 * The launching process's own signal state, handed on to an external launcher so that its row
 * shows what THAT program passes on: the thread's blocked mask and every ignored disposition.
 */
import { signalDispositions } from '../audit/dispositions.ts';
import { threadSignalMask } from '../native/fdops.ts';

/** Names of every signal this process ignores (SIG_IGN), glibc's own two left out. */
export function ignoredSignals(): string[] {
  return [...signalDispositions()].filter(([, d]) => d === 'ignore').map(([name]) => name);
}

/** Blocked signals of the calling thread (the one that launches). */
export function blockedSignals(): string[] {
  // glibc keeps 32 and 33 for itself (thread cancellation, setxid); their state is not the caller's.
  return threadSignalMask().filter((s) => s !== 'SIG32' && s !== 'SIG33');
}

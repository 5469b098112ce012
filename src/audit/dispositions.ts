/**
 * This process's signal dispositions, kept the same from one launch to the next. Code that runs in
 * this process during a launch (an in-process adapter, the library it calls) may leave a signal at
 * another disposition: execa's signal-exit listens for SIGXFSZ, and when it stops listening Node
 * resets the signal to SIG_DFL, not to the SIG_IGN it had. Every later launch would then start from
 * another parent and its row would show that parent, not the launcher.
 */
import { applySignalState, signalDisposition, type SignalDisposition } from '../native/fdops.ts';
import { SIGRTMAX, signalName } from '../native/signals.ts';

/** Signals whose disposition cannot be changed, and glibc's own two (thread cancellation, setxid). */
const NOT_OURS = new Set(['SIGKILL', 'SIGSTOP', 'SIG32', 'SIG33']);

export type Dispositions = ReadonlyMap<string, SignalDisposition>;

/** Every signal's disposition in this process, by name. */
export function signalDispositions(): Dispositions {
  const out = new Map<string, SignalDisposition>();
  for (let n = 1; n <= SIGRTMAX; n++) {
    let name: string;
    try {
      name = signalName(n);
    } catch {
      continue;
    }
    if (NOT_OURS.has(name)) continue;
    try {
      out.set(name, signalDisposition(name));
    } catch {
      // A number the kernel refuses to describe has no disposition to keep.
    }
  }
  return out;
}

/**
 * Puts back each signal that went from ignored to default or from default to ignored since `before`.
 * A signal that has a handler now is in use by whoever listens for it and is left alone, and so is
 * one that had a handler before (a handler cannot be rebuilt from the outside). Returns the names put
 * back.
 */
export function restoreDispositions(before: Dispositions): string[] {
  const ignored: string[] = [];
  const defaulted: string[] = [];
  for (const [name, was] of before) {
    if (was === 'handler') continue;
    const now = signalDisposition(name);
    if (now === was || now === 'handler') continue;
    (was === 'ignore' ? ignored : defaulted).push(name);
  }
  // The returned undo is not wanted: this is the state to keep.
  if (ignored.length || defaulted.length) applySignalState({ ignored, defaulted });
  return [...ignored, ...defaulted];
}

/**
 * The audit's own process must not be a source of findings. A run may start with fds its parent
 * leaked into it (a CI agent's pipe, a terminal multiplexer's socket); every launcher that passes
 * non-CLOEXEC fds would then show them as its own extra fds, and the verdict would depend on where
 * the run was started. They are marked close-on-exec before anything is launched; the baits are
 * opened afterwards and stay the only deliberate fds.
 */
import { getCloexec, openFds, setCloexec } from '../native/fdops.ts';

/** Marks every inherited fd above stderr close-on-exec; returns the fds it changed. */
export function cloexecInheritedFds(): number[] {
  let fds: number[];
  try {
    fds = openFds();
  } catch {
    // No /proc (a no-proc worker): it was started by a parent that already did this.
    return [];
  }
  const changed: number[] = [];
  for (const fd of fds) {
    if (fd <= 2) continue;
    try {
      if (!getCloexec(fd)) {
        setCloexec(fd, true);
        changed.push(fd);
      }
    } catch {
      // Closed meanwhile: nothing to mark.
    }
  }
  return changed;
}

/** `fdaudit launchers` and `fdaudit baits`: what a run can use. */
import type { Command } from 'commander';
import { openBaits, REFUSABLE_KINDS } from '../bait/open.ts';
import { BAIT_KINDS } from '../bait/types.ts';
import { launchers } from '../launchers/registry.ts';
import { selectLaunchers } from '../orchestrate/selection.ts';
import { collectWhole } from './usage.ts';

/** What each bait kind is, one line each. */
export const BAIT_DESCRIPTIONS: Readonly<Record<(typeof BAIT_KINDS)[number], string>> = {
  file: 'a regular file opened read-write',
  dir: 'a directory opened O_RDONLY',
  pipe: 'a pipe',
  socketpair: 'a Unix socketpair',
  'tcp-listen': 'a TCP socket listening on 127.0.0.1',
  udp: 'a UDP socket bound to 127.0.0.1',
  eventfd: 'an eventfd',
  timerfd: 'a timerfd',
  epoll: 'an epoll instance',
  memfd: 'a memfd',
  inotify: 'an inotify instance',
  'o-path': 'an O_PATH fd (poll() calls it closed: POLLNVAL)',
  signalfd: 'a signalfd',
  pidfd: 'a pidfd (of the launching process)',
  pty: 'a pty master from /dev/ptmx, as terminal libraries hold one',
  'unix-listen': 'a listening AF_UNIX socket',
  netlink: 'a NETLINK_ROUTE socket',
  'high-fd': 'an fd at a number >= 1024 (FD_SETSIZE)',
  'above-soft-limit': 'an fd above the soft RLIMIT_NOFILE in force when the launcher runs',
  cloexec: 'control: an O_CLOEXEC fd that must never cross',
  passed: 'passed on purpose (keep): must cross where the launcher can pass fds',
};

export function registerInfo(program: Command): void {
  program
    .command('launchers')
    .description('list the launchers (built-in, then from the config file and --exec)')
    .option('--exec <name=template>', 'also list this external launcher (repeatable)', collectWhole)
    .option('--config <file>', 'config file (default: fdaudit.config.{ts,mjs,js} in the working directory)')
    .action(async (opts: { exec?: string[]; config?: string }) => {
      const { launchers: all } = await selectLaunchers(opts);
      const width = Math.max(...all.map((l) => l.id.length));
      for (const l of all) {
        const why = await l.unavailable();
        process.stdout.write(`${l.id.padEnd(width)}  ${l.description}${why ? ` (unavailable: ${why})` : ''}\n`);
      }
    });
  program
    .command('baits')
    .description('list the bait kinds (and those this kernel or sandbox refuses to open)')
    .action(() => {
      // Each kind opened once and closed again: what a run here would skip, and why.
      const set = openBaits(REFUSABLE_KINDS);
      const refused = new Map(set.skipped.map((s) => [s.kind, s.reason]));
      set.close();
      const width = Math.max(...BAIT_KINDS.map((k) => k.length));
      for (const k of BAIT_KINDS) {
        const why = refused.get(k);
        process.stdout.write(`${k.padEnd(width)}  ${BAIT_DESCRIPTIONS[k]}${why ? ` (refused here, skipped: ${why})` : ''}\n`);
      }
    });
}


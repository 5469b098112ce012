/*
 * The launcher's child side, one step per function, shared with the variants.
 *
 * fda_spawn() (spawn.c) is vfork + fda_child_main(), or a clone that shares
 * the fd table until fda_child_unshare_files() (see there). The variants compose the
 * same steps differently: the fork variant runs fda_child_main() after fork(),
 * and each mutant swaps exactly one step for a flawed one of its own.
 *
 * Two regions, two contracts:
 *
 *   PARENT side (fda_child_prepare, fda_child_release, fda_signals_block_all,
 *   fda_signals_restore, fda_child_collect, fda_fd_bound, fda_fd_nr_open):
 *   ordinary code, may allocate, runs before the child exists or after it
 *   has exec'd or exited.
 *
 *   CHILD side (every fda_child_* step below, fda_child_fd_bound and the
 *   fda_seal_* strategies): runs between vfork and execve on memory shared
 *   with the parent. Only raw system calls (sys.h); no malloc, no stdio, no
 *   locks, no cancellable libc wrappers, no writes to anything but the
 *   scratch that fda_child_prepare set up and the report. They never return
 *   to the function that called vfork.
 *
 * Step convention: a step first records itself in c->report->stage, so a
 * child that dies inside it (a signal, a seccomp kill, the OOM killer) is
 * reported with the step it was in. It returns 0 on success; on failure it
 * records {err, step} in c->report (fda_child_fail) and returns -1. The
 * caller then calls fda_child_exit(), which is exit_group(127). The parent
 * reads the report after the child has exec'd or gone (vfork: when vfork
 * returns; fork: when the close-on-exec pipe says so) and reaps the child on
 * failure: a report with no error whose stage is not execve is a child that
 * died before execve.
 */
#ifndef FDAUDIT_LAUNCH_CHILD_H
#define FDAUDIT_LAUNCH_CHILD_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "launch.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What the child tells the parent. It lives in memory the parent can read
 * after the child is gone: the parent's own stack under vfork, a MAP_SHARED
 * page under fork. volatile because under vfork the compiler cannot see that
 * the "other process" wrote it. err == 0 and step == FDA_STEP_NONE mean the
 * child reached execve; strategy is written before execve either way.
 */
struct fda_child_report {
  volatile int err;      /* errno of the failing step, 0 if none failed */
  volatile int step;     /* enum fda_step */
  volatile int strategy; /* enum fda_strategy that sealed the fds (NONE if seal == 0) */
  volatile int unshare;  /* enum fda_unshare: how a child started on the parent's fd table left it */
  volatile int stage;    /* enum fda_step the child is in; EXECVE once it calls execve (VFORK: none begun) */
  volatile unsigned int bound; /* the poll/loop seal's bound (fda_child_fd_bound), 0 if none ran */
};

/* How a child that started sharing the parent's fd table (fda_child.files_shared) got a table of its own. */
enum fda_unshare {
  FDA_UNSHARE_NONE = 0,  /* it never shared one (vfork, fork) */
  FDA_UNSHARE_RANGE,     /* close_range(CLOSE_RANGE_UNSHARE): copied only the fds below unshare_from */
  FDA_UNSHARE_FULL,      /* that was refused; unshare(CLONE_FILES) copied the whole table */
  FDA_UNSHARE_REFUSED    /* both were refused: the child touched nothing and exited */
};

/* poll() is asked about at most this many numbers at once (fewer if the soft limit is lower: EINVAL). */
#define FDA_POLL_BATCH 1024
/* getdents64 buffer for the /proc/self/fd walk; also holds /proc/self/status. */
#define FDA_DIRBUF_SIZE 8192
/* fda_child_fd_bound probes tables up to this size with select(2); larger ones are read from /proc. */
#define FDA_SELECT_BITS (1U << 17)

/*
 * Everything the child needs, prepared by the parent. The child writes only
 * to `moved`, `pollbuf`, `dirbuf`, `selbits` and `*report`: never into the
 * plan, whose arrays belong to the caller (flaw F7).
 */
struct fda_child {
  const struct fda_plan *plan;
  struct fda_child_report *report;

  int *moved;               /* [plan->nstdio]: pass-1 copy of stdio[i], or -1 if not moved */
  int *keep;                /* sorted, duplicate-free copy of plan->keep (all >= nstdio) */
  int nkeep;
  unsigned int nr_open;     /* fs.nr_open as the parent read it (fda_fd_nr_open): the bound of last resort */
  int files_shared;         /* 1: started with CLONE_FILES; fda_child_unshare_files must run first */
  unsigned int unshare_from; /* every fd the plan reads (sources, keep) and every slot is below this */
  /*
   * With CLONE_PIDFD and CLONE_FILES the kernel puts the pidfd into the table
   * the child shares, at the lowest free number, before the child runs, and
   * writes its number here. It was not open when the plan was made, so the
   * child treats that number as not open. NULL when there is none.
   */
  const volatile int *foreign_fd;
  struct pollfd *pollbuf;   /* [FDA_POLL_BATCH] */
  char *dirbuf;             /* [FDA_DIRBUF_SIZE], 8-byte aligned */
  unsigned long *selbits;   /* [FDA_SELECT_BITS / bits per long]; the child zeroes what it uses */

  void *block_;             /* one allocation holding the scratch; fda_child_release frees it */
};

/* ---------------------------------------------------------------- parent side */

/*
 * Fills *c for `plan`: validates the plan's shape (EINVAL: negative counts,
 * keep below nstdio, unknown strategy), copies and sorts keep, allocates the
 * scratch. It measures nothing: the child measures its own fd table.
 * report is reset (stage VFORK). Returns 0, or -1 with errno set (nothing
 * left allocated).
 */
int fda_child_prepare(struct fda_child *c, const struct fda_plan *plan, struct fda_child_report *report);
void fda_child_release(struct fda_child *c);

/*
 * Blocks every signal in the calling thread, glibc's internal ones (32, 33)
 * included, via the raw rt_sigprocmask, so no handler of the parent can run
 * in a vfork child that shares its stack. *old receives the previous mask
 * for fda_signals_restore. Both are plain syscalls: safe around vfork.
 */
void fda_signals_block_all(sigset_t *old);
void fda_signals_restore(const sigset_t *old);

/*
 * After the child has exec'd or gone: when the report holds an error, or
 * shows a child that never reached execve (killed in the step of
 * report->stage), reaps `pid` (waitpid on that pid only, __WALL, EINTR-safe),
 * fills result->{err,step,signal} and returns -1; otherwise fills
 * result->{pid,strategy} and returns 0. A killed child's signal is lost only
 * when this process ignores SIGCHLD and the child was started with exit
 * signal SIGCHLD (the kernel reaps it at once): then err is ECHILD.
 */
int fda_child_collect(const struct fda_child *c, pid_t pid, struct fda_result *result);

/*
 * The end of a vfork-style launch: when the child could not be started
 * (pid < 0) records {start_err, start_step}, else fda_child_collect; then
 * fda_child_release. Returns 0 or -1 as fda_spawn does.
 */
int fda_child_finish(struct fda_child *c, pid_t pid, int start_err, int start_step, struct fda_result *result);

/*
 * The size of this process's fd table (every open fd is below it), not
 * trusting any RLIMIT_NOFILE: /proc/self/status FDSize, or without /proc
 * select(2) probing; *exact is 1 then. If both are refused, fs.nr_open
 * (fda_fd_nr_open) and *exact is 0. Exact for a process that is alone in
 * its table (fdaudit-fdlist); other threads may grow the table afterwards,
 * which is why the launcher's child measures its own (fda_child_fd_bound).
 * Parent side only (reads files, maps memory).
 */
unsigned int fda_fd_bound(int *exact);
/* fs.nr_open (read once, cached), or 1 << 20 when it cannot be read: no fd number reaches it. */
unsigned int fda_fd_nr_open(void);
/* The fd table size measured with select(2) alone (0 if select is refused). For tests. */
unsigned int fda_fd_table_size_by_select(void);
/*
 * The decimal at p (leading blanks skipped), 0 if there is none or it does not fit an unsigned int.
 * Pure and async-signal-safe: the child reads FDSize with it too.
 */
unsigned int fda_parse_uint(const char *p);

/* ---------------------------------------------------------------- child side */

/* Records {err, step} in c->report and returns -1 (for `return fda_child_fail(...)`). */
int fda_child_fail(struct fda_child *c, int err, int step);
/* exit_group(127). Never returns. */
void fda_child_exit(struct fda_child *c) __attribute__((noreturn));

/*
 * The child's own fd table size, measured in the child: every fd it has is
 * below the result. After vfork (or the unshare of a shared table) the table
 * is the child's alone and no other thread can open anything in it, so the
 * figure is exact, and the kernel sized the copy for the highest open fd
 * (dup_fd), not for the parent's table or any limit. select(2) probing
 * (the kernel clamps nfds to the table size and answers EBADF only for a
 * closed number inside it) up to FDA_SELECT_BITS, else FDSize from
 * /proc/self/status; *exact is 1. If both are refused: c->nr_open, *exact 0.
 * Never reads RLIMIT_NOFILE. Child side.
 */
unsigned int fda_child_fd_bound(struct fda_child *c, int *exact);

/*
 * Only when c->files_shared: the child was started on the parent's own fd
 * table (clone with CLONE_FILES, spawn.c), so it must be the first thing
 * that touches any fd. close_range(unshare_from, ~0U, CLOSE_RANGE_UNSHARE)
 * gives the child a table of its own holding only the fds below
 * unshare_from, instead of copying every entry and then closing it again
 * (vfork's dup_fd + close_range, which grows with the parent's open fds).
 * Where that is refused, unshare(CLONE_FILES) copies the whole table, as
 * vfork would have. Where both are refused, nothing was touched: the report
 * says FDA_UNSHARE_REFUSED (step CLOSE_RANGE) and the parent launches again
 * with vfork. Records report->unshare. No-op without files_shared.
 */
int fda_child_unshare_files(struct fda_child *c);

/*
 * Every signal 1..64 except SIGKILL/SIGSTOP goes to SIG_DFL, or to SIG_IGN
 * if it is in plan->child_ignore. Resets handled AND ignored signals, so the
 * child inherits no disposition by accident. Uses the raw rt_sigaction so
 * 32/33 (which glibc's sigaction refuses) are reset too. Expects every
 * signal blocked (fda_signals_block_all) so nothing is delivered meanwhile.
 * Fails with step SIGACTION.
 */
int fda_child_reset_signals(struct fda_child *c);

/*
 * Fd plan, pass 1: every source stdio[i] >= 0 that is below nstdio and whose
 * own slot gets something else (stdio[src] != src: a later dup2 or close
 * would take it before it is used) is copied with F_DUPFD_CLOEXEC to a
 * number >= nstdio, into c->moved[i] (-1: not moved); a source used by
 * several slots is copied once. A source that sits in its own slot
 * (stdio[src] == src) is read in place: an identity plan needs no free fd
 * number. Never plain dup(), which may return a low slot (flaw F1). The
 * copies are CLOEXEC, and the seal closes them anyway. When no number is
 * free (EMFILE: every number up to the soft limit is open) and the plan
 * seals, one fd that the seal would close anyway (not a source, not kept)
 * is closed first to make room; without a seal, or with nothing to spare,
 * it fails. Fails with step FCNTL (EBADF: the source is not open; EMFILE).
 */
int fda_child_move_sources(struct fda_child *c);

/*
 * Fd plan, pass 2: for each slot i in order, dup2(source, i) where source is
 * c->moved[i] if set, else stdio[i] (then >= nstdio, never i itself, so dup2
 * always clears CLOEXEC on the slot); a source already in its slot
 * (stdio[i] == i) only loses FD_CLOEXEC (step FCNTL, EBADF if not open);
 * slot -1 is closed, and closing a slot that is not open is not an error
 * (flaw F2). Fails with step DUP2.
 */
int fda_child_place_slots(struct fda_child *c);

/*
 * Fd plan, pass 3: each keep fd loses FD_CLOEXEC so it crosses execve.
 * Fails with step FCNTL (EBADF: a keep fd is not open).
 */
int fda_child_clear_keep_cloexec(struct fda_child *c);

/*
 * Closes every fd that is neither a slot below nstdio nor a keep fd, with
 * plan->strategy (AUTO: close_range; when the kernel refuses it (ENOSYS,
 * EPERM, EINVAL), poll below fda_child_fd_bound; when poll is refused, the
 * close loop below that bound if it is measured and moderate, else the
 * /proc/self/fd walk and then the loop). Each fallback is complete on its
 * own and the loop cannot be refused, so AUTO never seals partly. A forced
 * strategy does not fall back: its failure fails the launch. Writes
 * report->strategy. seal == 0 closes nothing (strategy NONE). Fails with
 * step CLOSE_RANGE (forced close_range) or CLOSE.
 */
int fda_child_seal(struct fda_child *c);

/*
 * The strategies alone: 0 when every fd outside the plan is closed, else a
 * positive errno (nothing is assumed about what was closed). Each skips the
 * slots below nstdio and the keep fds.
 */
int fda_seal_close_range(struct fda_child *c); /* close_range over the gaps between kept fds */
int fda_seal_proc(struct fda_child *c);        /* getdents64 walk of /proc/self/fd */
/*
 * poll() below fda_child_fd_bound, closing the open ones. poll answers
 * POLLNVAL for an open O_PATH fd as for a closed number (fdget skips
 * FMODE_PATH files), so every POLLNVAL number is confirmed with
 * fcntl(F_GETFD), which sees every open fd, before it is left alone.
 */
int fda_seal_poll(struct fda_child *c);
int fda_seal_loop(struct fda_child *c);        /* close() every number below fda_child_fd_bound */

/*
 * RLIMIT_NOFILE per plan->rlimit_mode. FD_SETSIZE: soft = FD_SETSIZE only
 * when the soft limit is above it (never raised, never fails with a hard
 * limit below 1024: flaw F6). EXPLICIT: soft (and hard if rlimit_set_hard).
 * Fails with step SETRLIMIT.
 */
int fda_child_set_rlimit(struct fda_child *c);

/* chdir(plan->cwd) when cwd is set. Fails with step CHDIR. */
int fda_child_chdir(struct fda_child *c);

/* setpgid(0, 0) when plan->setpgid. Fails with step SETPGID. */
int fda_child_setpgid(struct fda_child *c);

/* Installs plan->child_mask (raw rt_sigprocmask). Last step before execve. Step SIGPROCMASK. */
int fda_child_set_mask(struct fda_child *c);

/* execve(plan->file, argv, envp); on failure reports step EXECVE and exits 127. */
void fda_child_exec(struct fda_child *c) __attribute__((noreturn));

/*
 * All steps in order: unshare_files, reset_signals, move_sources, place_slots,
 * clear_keep_cloexec, seal, set_rlimit, chdir, setpgid, set_mask, exec.
 */
void fda_child_main(struct fda_child *c) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif

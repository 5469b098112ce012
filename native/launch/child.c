/*
 * The child's steps, between vfork and execve.
 *
 * ASYNC-SIGNAL-SAFE REGION. Everything in this file runs in a child that
 * shares the parent's memory and stack: only system calls, no malloc, no
 * stdio, no locks, and writes only to the scratch fda_child_prepare set up
 * and to the report. errno may be clobbered; it is the parent thread's, which
 * is stopped and re-reads it only after vfork returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include "child.h"
#include "sys.h"

int fda_child_fail(struct fda_child *c, int err, int step) {
  c->report->err = err ? err : EIO;
  c->report->step = step;
  return -1;
}

void fda_child_exit(struct fda_child *c) {
  (void)c;
  _exit(127);
}

/* ---------------------------------------------------------------- fd table */

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLONE_FILES
#define CLONE_FILES 0x00000400
#endif

int fda_child_unshare_files(struct fda_child *c) {
  if (!c->files_shared) return 0;
  /*
   * Until this returns, the fd table is the parent's: a close here would
   * close the parent's fd. close_range with UNSHARE first gives the child
   * its own table, copying only the fds below unshare_from, then closes the
   * range in that copy; it fails before changing anything, or not at all.
   */
  if (fda_sys_close_range(c->unshare_from, ~0U, CLOSE_RANGE_UNSHARE) == 0) {
    c->report->unshare = FDA_UNSHARE_RANGE;
    return 0;
  }
  int err = errno;
  if (syscall(SYS_unshare, CLONE_FILES) == 0) {
    c->report->unshare = FDA_UNSHARE_FULL;
    return 0;
  }
  c->report->unshare = FDA_UNSHARE_REFUSED;
  return fda_child_fail(c, err, FDA_STEP_CLOSE_RANGE);
}

/* ---------------------------------------------------------------- signals */

#if defined(__x86_64__) || defined(__aarch64__) || defined(__i386__) || defined(__arm__)
#define FDA_RAW_SIGACTION 1
/* The kernel's struct sigaction on these architectures (all have sa_restorer). */
struct fda_ksigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  unsigned char mask[FDA_KERNEL_SIGSET_SIZE];
};
#endif

static int set_disposition(int sig, void (*disp)(int)) {
#ifdef FDA_RAW_SIGACTION
  /* Raw rt_sigaction: glibc's sigaction refuses 32 and 33, its own signals. */
  struct fda_ksigaction ka;
  memset(&ka, 0, sizeof ka);
  ka.handler = disp;
  return (int)syscall(SYS_rt_sigaction, sig, &ka, NULL, (size_t)FDA_KERNEL_SIGSET_SIZE);
#else
  /*
   * Without a known kernel layout, 32 and 33 keep glibc's handlers until
   * execve resets them. That is safe: both handlers return at once unless
   * the signal came from this very process (si_pid == getpid()), which the
   * child never sends, and no pending signal is inherited across vfork.
   */
  if (sig == 32 || sig == 33) return 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = disp;
  return sigaction(sig, &sa, NULL);
#endif
}

int fda_child_reset_signals(struct fda_child *c) {
  /*
   * Every signal, not just those with a handler: an ignored signal would
   * otherwise stay ignored across execve, and asking first costs as many
   * system calls as setting. Order does not matter: all are blocked.
   */
  for (int sig = 1; sig < FDA_NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    void (*disp)(int) = fda_sigset_has_bit(&c->plan->child_ignore, sig) ? SIG_IGN : SIG_DFL;
    if (set_disposition(sig, disp) != 0) return fda_child_fail(c, errno, FDA_STEP_SIGACTION);
  }
  return 0;
}

int fda_child_set_mask(struct fda_child *c) {
  if (fda_sys_sigmask(SIG_SETMASK, &c->plan->child_mask, NULL) != 0)
    return fda_child_fail(c, errno, FDA_STEP_SIGPROCMASK);
  return 0;
}

/* ---------------------------------------------------------------- fd plan */

int fda_child_move_sources(struct fda_child *c) {
  const struct fda_plan *p = c->plan;
  for (int i = 0; i < p->nstdio; i++) {
    int src = p->stdio[i];
    c->moved[i] = -1;
    if (src < 0 || src >= p->nstdio) continue;
    /* Above every slot, so no dup2 of pass 2 can land on it before it is used. */
    int fd = fcntl(src, F_DUPFD_CLOEXEC, p->nstdio);
    if (fd < 0) return fda_child_fail(c, errno, FDA_STEP_FCNTL);
    c->moved[i] = fd;
  }
  return 0;
}

int fda_child_place_slots(struct fda_child *c) {
  const struct fda_plan *p = c->plan;
  for (int i = 0; i < p->nstdio; i++) {
    int src = c->moved[i] >= 0 ? c->moved[i] : p->stdio[i];
    if (src < 0) {
      /* A slot that is already closed is what was asked for (flaw F2). */
      if (close(i) != 0 && errno != EBADF && errno != EINTR) return fda_child_fail(c, errno, FDA_STEP_CLOSE);
      continue;
    }
    /* src != i here (pass 1 moved every low source), so dup2 clears CLOEXEC on slot i. */
    int r;
    do r = dup2(src, i);
    while (r < 0 && errno == EINTR);
    if (r < 0) return fda_child_fail(c, errno, FDA_STEP_DUP2);
  }
  return 0;
}

int fda_child_clear_keep_cloexec(struct fda_child *c) {
  for (int i = 0; i < c->nkeep; i++)
    if (fcntl(c->keep[i], F_SETFD, 0) != 0) return fda_child_fail(c, errno, FDA_STEP_FCNTL);
  return 0;
}

/* ---------------------------------------------------------------- sealing */

/* Is fd one the plan keeps open? Slots below nstdio and the keep fds. */
static int kept(const struct fda_child *c, unsigned int fd) {
  if (fd < (unsigned int)c->plan->nstdio) return 1;
  int lo = 0, hi = c->nkeep;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if ((unsigned int)c->keep[mid] < fd) lo = mid + 1;
    else hi = mid;
  }
  return lo < c->nkeep && (unsigned int)c->keep[lo] == fd;
}

/* The bound the number-walking strategies cover: the parent's, or the hard limit if it grew since. */
static unsigned int child_bound(const struct fda_child *c, struct rlimit *rl) {
  unsigned int b = c->fd_bound;
  if (fda_sys_nofile(NULL, rl) != 0) {
    rl->rlim_cur = rl->rlim_max = RLIM_INFINITY; /* unknown: poll's own EINVAL will say so */
    return b;
  }
  if (rl->rlim_max != RLIM_INFINITY && rl->rlim_max > b && rl->rlim_max <= 0xffffffffU)
    b = (unsigned int)rl->rlim_max;
  return b;
}

int fda_seal_close_range(struct fda_child *c) {
  /* close_range over each gap between kept fds; keep is sorted and >= nstdio. */
  unsigned int lo = (unsigned int)c->plan->nstdio;
  for (int i = 0; i < c->nkeep; i++) {
    unsigned int k = (unsigned int)c->keep[i];
    if (k > lo && fda_sys_close_range(lo, k - 1, 0) != 0) return errno;
    lo = k + 1;
  }
  if (fda_sys_close_range(lo, ~0U, 0) != 0) return errno;
  return 0;
}

/* struct linux_dirent64, which glibc does not declare. */
struct fda_dirent64 {
  unsigned long long d_ino;
  long long d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

int fda_seal_proc(struct fda_child *c) {
  /*
   * /proc/self/fd lists the child's own table (vfork does not share it).
   * Closing while reading is safe: the directory offset is the fd number.
   */
  int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errno;
  for (;;) {
    long n = syscall(SYS_getdents64, dfd, c->dirbuf, (size_t)FDA_DIRBUF_SIZE);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(dfd);
      return err;
    }
    if (n == 0) break;
    for (long off = 0; off < n;) {
      const struct fda_dirent64 *d = (const struct fda_dirent64 *)(const void *)(c->dirbuf + off);
      off += d->d_reclen;
      unsigned int fd = 0;
      const char *s = d->d_name;
      if (*s < '0' || *s > '9') continue; /* "." and ".." */
      while (*s >= '0' && *s <= '9') fd = fd * 10 + (unsigned int)(*s++ - '0');
      if ((int)fd != dfd && !kept(c, fd)) close((int)fd);
    }
  }
  close(dfd);
  return 0;
}

int fda_seal_poll(struct fda_child *c) {
  struct rlimit rl;
  unsigned int bound = child_bound(c, &rl);
  /* poll() refuses nfds above the soft limit (EINVAL), so batches never exceed it. */
  unsigned int batch = FDA_POLL_BATCH;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < batch) batch = (unsigned int)rl.rlim_cur;
  if (batch == 0) return EINVAL;
  for (unsigned int base = (unsigned int)c->plan->nstdio; base < bound;) {
    unsigned int n = bound - base < batch ? bound - base : batch;
    for (unsigned int i = 0; i < n; i++) {
      c->pollbuf[i].fd = (int)(base + i);
      c->pollbuf[i].events = 0;
      c->pollbuf[i].revents = 0;
    }
    int r;
    do r = poll(c->pollbuf, n, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0) return errno;
    /* POLLNVAL marks a number that is not open; everything else is an open fd. */
    for (unsigned int i = 0; i < n; i++)
      if (!(c->pollbuf[i].revents & POLLNVAL) && !kept(c, base + i)) close((int)(base + i));
    base += n;
  }
  return 0;
}

int fda_seal_loop(struct fda_child *c) {
  struct rlimit rl;
  unsigned int bound = child_bound(c, &rl);
  for (unsigned int fd = (unsigned int)c->plan->nstdio; fd < bound; fd++)
    if (!kept(c, fd)) close((int)fd);
  return 0;
}

/* Up to this bound a close() per number beats listing /proc/self/fd. */
#define FDA_LOOP_PREFERRED_BOUND 65536U

/* A refusal that means "try the next strategy", as opposed to a broken plan. */
static int close_range_refused(int err) {
  /* ENOSYS: before 5.9; EPERM: seccomp profiles; EINVAL: flags/ranges an old kernel rejects. */
  return err == ENOSYS || err == EPERM || err == EINVAL;
}

int fda_child_seal(struct fda_child *c) {
  const struct fda_plan *p = c->plan;
  if (!p->seal) {
    c->report->strategy = FDA_CLOSE_NONE;
    return 0;
  }
  int err;
  switch (p->strategy) {
  case FDA_CLOSE_RANGE:
    if ((err = fda_seal_close_range(c)) != 0) return fda_child_fail(c, err, FDA_STEP_CLOSE_RANGE);
    c->report->strategy = FDA_CLOSE_RANGE;
    return 0;
  case FDA_CLOSE_PROC:
    if ((err = fda_seal_proc(c)) != 0) return fda_child_fail(c, err, FDA_STEP_CLOSE);
    c->report->strategy = FDA_CLOSE_PROC;
    return 0;
  case FDA_CLOSE_POLL:
    if ((err = fda_seal_poll(c)) != 0) return fda_child_fail(c, err, FDA_STEP_CLOSE);
    c->report->strategy = FDA_CLOSE_POLL;
    return 0;
  case FDA_CLOSE_LOOP:
    fda_seal_loop(c);
    c->report->strategy = FDA_CLOSE_LOOP;
    return 0;
  default:
    break;
  }

  /* AUTO. Each fallback is complete on its own; a failed one may have closed some fds, which is harmless. */
  if ((err = fda_seal_close_range(c)) == 0) {
    c->report->strategy = FDA_CLOSE_RANGE;
    return 0;
  }
  if (!close_range_refused(err)) return fda_child_fail(c, err, FDA_STEP_CLOSE_RANGE);
  /*
   * Costs measured with 10,000 open fds and a bound of 20,000: poll ~0.25 ms
   * for the whole range plus one close() per open fd (~0.25 us each); the
   * /proc/self/fd walk ~5 us per open fd; the close loop ~0.25 us per number.
   * So poll first; when poll is refused the loop is cheaper than the walk
   * unless the bound is large (a guess of 2^20, or a huge table).
   */
  if (fda_seal_poll(c) == 0) {
    c->report->strategy = FDA_CLOSE_POLL;
    return 0;
  }
  if (!(c->fd_bound_exact && c->fd_bound <= FDA_LOOP_PREFERRED_BOUND) && fda_seal_proc(c) == 0) {
    c->report->strategy = FDA_CLOSE_PROC;
    return 0;
  }
  /* close() cannot be refused in a way that leaves an fd open: the loop always completes. */
  fda_seal_loop(c);
  c->report->strategy = FDA_CLOSE_LOOP;
  return 0;
}

/* ---------------------------------------------------------------- the rest */

int fda_child_set_rlimit(struct fda_child *c) {
  const struct fda_plan *p = c->plan;
  if (p->rlimit_mode == FDA_RLIMIT_INHERIT) return 0;
  struct rlimit rl;
  if (fda_sys_nofile(NULL, &rl) != 0) return fda_child_fail(c, errno, FDA_STEP_SETRLIMIT);
  if (p->rlimit_mode == FDA_RLIMIT_FD_SETSIZE) {
    /* Only lower, never raise; a hard limit below FD_SETSIZE means the soft one already is (F6). */
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= FD_SETSIZE) return 0;
    rl.rlim_cur = FD_SETSIZE;
  } else {
    rl.rlim_cur = p->rlimit_soft;
    if (p->rlimit_set_hard) rl.rlim_max = p->rlimit_hard;
  }
  if (fda_sys_nofile(&rl, NULL) != 0) return fda_child_fail(c, errno, FDA_STEP_SETRLIMIT);
  return 0;
}

int fda_child_chdir(struct fda_child *c) {
  if (c->plan->cwd && chdir(c->plan->cwd) != 0) return fda_child_fail(c, errno, FDA_STEP_CHDIR);
  return 0;
}

int fda_child_setpgid(struct fda_child *c) {
  if (c->plan->setpgid && setpgid(0, 0) != 0) return fda_child_fail(c, errno, FDA_STEP_SETPGID);
  return 0;
}

void fda_child_exec(struct fda_child *c) {
  execve(c->plan->file, c->plan->argv, c->plan->envp);
  fda_child_fail(c, errno, FDA_STEP_EXECVE);
  fda_child_exit(c);
}

void fda_child_main(struct fda_child *c) {
  if (fda_child_unshare_files(c) || fda_child_reset_signals(c) || fda_child_move_sources(c) || fda_child_place_slots(c) ||
      fda_child_clear_keep_cloexec(c) || fda_child_seal(c) || fda_child_set_rlimit(c) ||
      fda_child_chdir(c) || fda_child_setpgid(c) || fda_child_set_mask(c))
    fda_child_exit(c);
  fda_child_exec(c);
}

/*
 * The child's steps, between vfork and execve.
 *
 * ASYNC-SIGNAL-SAFE REGION. Everything in this file runs in a child that
 * shares the parent's memory and stack: only raw system calls (sys.h), no
 * malloc, no stdio, no locks, no cancellable libc wrappers, and writes only
 * to the scratch fda_child_prepare set up and to the report. errno may be
 * clobbered; it is the parent thread's, which is stopped and re-reads it
 * only after the child has exec'd or gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include "child.h"
#include "sys.h"

/* Records the step the child is in, so a child killed inside it is reported with it. */
static inline void enter(struct fda_child *c, int step) {
  c->report->stage = step;
}

int fda_child_fail(struct fda_child *c, int err, int step) {
  c->report->err = err ? err : EIO;
  c->report->step = step;
  return -1;
}

void fda_child_exit(struct fda_child *c) {
  (void)c;
  fda_sys_exit(127);
}

/* The pidfd the kernel put into a table this child shares: not an fd the plan could have meant. */
static int foreign(const struct fda_child *c, int fd) {
  return c->foreign_fd != NULL && fd >= 0 && *c->foreign_fd == fd;
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
  enter(c, FDA_STEP_CLOSE_RANGE);
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
  enter(c, FDA_STEP_SIGACTION);
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
  enter(c, FDA_STEP_SIGPROCMASK);
  if (fda_sys_sigmask(SIG_SETMASK, &c->plan->child_mask, NULL) != 0)
    return fda_child_fail(c, errno, FDA_STEP_SIGPROCMASK);
  return 0;
}

/* ---------------------------------------------------------------- fd plan */

/* Is fd a keep fd? keep is sorted. */
static int is_keep(const struct fda_child *c, unsigned int fd) {
  int lo = 0, hi = c->nkeep;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if ((unsigned int)c->keep[mid] < fd) lo = mid + 1;
    else hi = mid;
  }
  return lo < c->nkeep && (unsigned int)c->keep[lo] == fd;
}

/* Is fd one the plan keeps open? Slots below nstdio and the keep fds. */
static int kept(const struct fda_child *c, unsigned int fd) {
  return fd < (unsigned int)c->plan->nstdio || is_keep(c, fd);
}

/* Does the plan still read fd (a source, a pass-1 copy, a keep fd)? */
static int needed(const struct fda_child *c, int fd) {
  const struct fda_plan *p = c->plan;
  for (int i = 0; i < p->nstdio; i++)
    if (p->stdio[i] == fd || c->moved[i] == fd) return 1;
  return is_keep(c, (unsigned int)fd);
}

/*
 * Called on EMFILE, when a step of a sealing launch needs one free fd number
 * and none is below the soft limit: every number from nstdio up to the limit
 * is open, so among the first nstdio + nstdio + nkeep + 1 of them one is
 * neither a source, nor a copy, nor kept. The seal would close it anyway;
 * closing it now frees its number. The limit itself is never read (it may
 * be emulated, or huge). Returns 0 when a number was freed.
 */
static int make_room(struct fda_child *c) {
  const struct fda_plan *p = c->plan;
  if (!p->seal) return -1;
  long last = (long)p->nstdio * 3 + c->nkeep + 1;
  for (long fd = p->nstdio; fd <= last && fd <= 0x7fffffffL; fd++) {
    if (fda_sys_fcntl((int)fd, F_GETFD, 0) < 0) return -1; /* a free number: not the EMFILE case */
    if (needed(c, (int)fd)) continue;
    fda_sys_close((int)fd);
    return 0;
  }
  return -1;
}

/* F_DUPFD_CLOEXEC above the slots, making room in a full table when the plan seals. */
static int dup_above_slots(struct fda_child *c, int src) {
  for (;;) {
    int fd = fda_sys_fcntl(src, F_DUPFD_CLOEXEC, c->plan->nstdio);
    if (fd >= 0) return fd;
    int err = errno;
    if (err != EMFILE || make_room(c) != 0) {
      errno = err;
      return -1;
    }
  }
}

int fda_child_move_sources(struct fda_child *c) {
  enter(c, FDA_STEP_FCNTL);
  const struct fda_plan *p = c->plan;
  for (int i = 0; i < p->nstdio; i++) c->moved[i] = -1;
  for (int i = 0; i < p->nstdio; i++) {
    int src = p->stdio[i];
    /* Above the slots, or sitting in its own slot (which keeps it): read in place. */
    if (src < 0 || src >= p->nstdio || p->stdio[src] == src) continue;
    if (foreign(c, src)) return fda_child_fail(c, EBADF, FDA_STEP_FCNTL);
    for (int j = 0; j < i && c->moved[i] < 0; j++)
      if (p->stdio[j] == src) c->moved[i] = c->moved[j];
    if (c->moved[i] >= 0) continue;
    /* Above every slot, so no dup2 of pass 2 can land on it before it is used. */
    int fd = dup_above_slots(c, src);
    if (fd < 0) return fda_child_fail(c, errno, FDA_STEP_FCNTL);
    c->moved[i] = fd;
  }
  return 0;
}

int fda_child_place_slots(struct fda_child *c) {
  enter(c, FDA_STEP_DUP2);
  const struct fda_plan *p = c->plan;
  for (int i = 0; i < p->nstdio; i++) {
    int src = c->moved[i] >= 0 ? c->moved[i] : p->stdio[i];
    if (src < 0) {
      /* A slot that is already closed is what was asked for (flaw F2). */
      if (fda_sys_close(i) != 0 && errno != EBADF && errno != EINTR) return fda_child_fail(c, errno, FDA_STEP_CLOSE);
      continue;
    }
    if (src == i) {
      /* Already in its slot: dup2 onto itself would keep FD_CLOEXEC, and needs no number anyway. */
      if (foreign(c, i)) return fda_child_fail(c, EBADF, FDA_STEP_FCNTL);
      if (fda_sys_fcntl(i, F_SETFD, 0) != 0) return fda_child_fail(c, errno, FDA_STEP_FCNTL);
      continue;
    }
    if (foreign(c, src)) return fda_child_fail(c, EBADF, FDA_STEP_DUP2);
    /* src != i, so dup2 clears CLOEXEC on slot i. */
    int r;
    do r = fda_sys_dup2(src, i);
    while (r < 0 && errno == EINTR);
    if (r < 0) return fda_child_fail(c, errno, FDA_STEP_DUP2);
  }
  return 0;
}

int fda_child_clear_keep_cloexec(struct fda_child *c) {
  enter(c, FDA_STEP_FCNTL);
  for (int i = 0; i < c->nkeep; i++) {
    if (foreign(c, c->keep[i])) return fda_child_fail(c, EBADF, FDA_STEP_FCNTL);
    if (fda_sys_fcntl(c->keep[i], F_SETFD, 0) != 0) return fda_child_fail(c, errno, FDA_STEP_FCNTL);
  }
  return 0;
}

/* ---------------------------------------------------------------- the bound */

/* open(2), making room in a full table (only sealing launches call this). */
static int open_making_room(struct fda_child *c, const char *path, int flags) {
  for (;;) {
    int fd = fda_sys_open(path, flags);
    if (fd >= 0 || errno != EMFILE) return fd;
    if (make_room(c) != 0) {
      errno = EMFILE;
      return -1;
    }
  }
}

#define FDA_BITS_PER_LONG (8U * (unsigned int)sizeof(unsigned long))

/*
 * Is number k inside this process's fd table? 1 yes, 0 no, -errno when
 * select is refused. core_sys_select() clamps nfds to the table size and
 * then fails with EBADF for any requested number below the clamp that is
 * not open; a number at or past the clamp is never read. So for a closed k,
 * select(k + 1, {k}) is EBADF inside the table and 0 outside. An open k
 * (fcntl sees every kind, O_PATH included) is inside by definition.
 * c->selbits must be zero up to word k / bits-per-long; it is left so.
 */
static int inside_table(struct fda_child *c, unsigned int k) {
  if (fda_sys_fcntl((int)k, F_GETFD, 0) >= 0) return 1;
  unsigned long bit = 1UL << (k % FDA_BITS_PER_LONG);
  c->selbits[k / FDA_BITS_PER_LONG] |= bit;
  int r;
  do r = fda_sys_select_now((int)k + 1, c->selbits);
  while (r < 0 && errno == EINTR);
  int err = errno;
  /* On success select wrote the result back: nothing, or bit k. Either way only bit k needs clearing. */
  c->selbits[k / FDA_BITS_PER_LONG] &= ~bit;
  if (r >= 0) return r > 0;
  return err == EBADF ? 1 : -err;
}

/* FDSize from /proc/self/status (the table's max_fds), read with raw calls into dirbuf; 0 if it cannot be. */
static unsigned int table_size_from_status(struct fda_child *c) {
  int fd = open_making_room(c, "/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  unsigned long got = 0;
  while (got < FDA_DIRBUF_SIZE - 1) {
    long n = fda_sys_read(fd, c->dirbuf + got, FDA_DIRBUF_SIZE - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (unsigned long)n;
  }
  fda_sys_close(fd);
  c->dirbuf[got] = '\0';
  static const char key[] = "\nFDSize:";
  for (unsigned long i = 0; i + sizeof key - 1 <= got; i++)
    if (memcmp(c->dirbuf + i, key, sizeof key - 1) == 0) return fda_parse_uint(c->dirbuf + i + sizeof key - 1);
  return 0;
}

unsigned int fda_child_fd_bound(struct fda_child *c, int *exact) {
  /*
   * Doubling from 64 (the smallest table) finds the first power of two at
   * or past the table size; the kernel sizes tables in powers of two, so
   * that is the size itself, one fcntl and one select per step.
   */
  unsigned int zeroed = 0;
  for (unsigned int k = 64; k < FDA_SELECT_BITS; k *= 2) {
    while (zeroed <= k / FDA_BITS_PER_LONG) c->selbits[zeroed++] = 0;
    int in = inside_table(c, k);
    if (in < 0) break;
    if (!in) {
      *exact = 1;
      return k;
    }
  }
  unsigned int t = table_size_from_status(c);
  if (t) {
    *exact = 1;
    return t;
  }
  /* Neither select nor /proc: no fd number reaches nr_open. Complete, not exact. */
  *exact = 0;
  return c->nr_open ? c->nr_open : 1U << 20;
}

/* ---------------------------------------------------------------- sealing */

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
  int dfd = open_making_room(c, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errno;
  for (;;) {
    long n = syscall(SYS_getdents64, dfd, c->dirbuf, (size_t)FDA_DIRBUF_SIZE);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      fda_sys_close(dfd);
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
      if ((int)fd != dfd && !kept(c, fd)) fda_sys_close((int)fd);
    }
  }
  fda_sys_close(dfd);
  return 0;
}

int fda_seal_poll(struct fda_child *c) {
  int exact;
  unsigned int bound = fda_child_fd_bound(c, &exact);
  c->report->bound = bound;
  unsigned int batch = FDA_POLL_BATCH;
  for (unsigned int base = (unsigned int)c->plan->nstdio; base < bound;) {
    unsigned int n = bound - base < batch ? bound - base : batch;
    for (unsigned int i = 0; i < n; i++) {
      c->pollbuf[i].fd = (int)(base + i);
      c->pollbuf[i].events = 0;
      c->pollbuf[i].revents = 0;
    }
    int r;
    do r = fda_sys_poll_now(c->pollbuf, n);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
      /* poll refuses nfds above the soft limit (EINVAL): smaller batches rather than reading the limit. */
      if (errno == EINVAL && n > 1) {
        batch = n / 2;
        continue;
      }
      return errno;
    }
    for (unsigned int i = 0; i < n; i++) {
      unsigned int fd = base + i;
      if (kept(c, fd)) continue;
      /* POLLNVAL: closed, or an O_PATH fd (poll cannot see those); fcntl tells them apart. */
      if (!(c->pollbuf[i].revents & POLLNVAL) || fda_sys_fcntl((int)fd, F_GETFD, 0) >= 0) fda_sys_close((int)fd);
    }
    base += n;
  }
  return 0;
}

int fda_seal_loop(struct fda_child *c) {
  int exact;
  unsigned int bound = fda_child_fd_bound(c, &exact);
  c->report->bound = bound;
  for (unsigned int fd = (unsigned int)c->plan->nstdio; fd < bound; fd++)
    if (!kept(c, fd)) fda_sys_close((int)fd);
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
  enter(c, p->strategy == FDA_CLOSE_RANGE || p->strategy == FDA_CLOSE_AUTO ? FDA_STEP_CLOSE_RANGE : FDA_STEP_CLOSE);
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
  enter(c, FDA_STEP_CLOSE);
  /*
   * Costs here: poll ~2.5 ns per number plus one fcntl per number it calls
   * not open (~75 ns) and one close per open fd; the close loop ~85 ns per
   * number; the /proc/self/fd walk ~5 us per open fd. The bound is the
   * child's own table, sized for its highest fd. So poll first; when poll
   * is refused the loop, unless the bound is the nr_open guess or huge.
   */
  if (fda_seal_poll(c) == 0) {
    c->report->strategy = FDA_CLOSE_POLL;
    return 0;
  }
  int exact;
  unsigned int bound = fda_child_fd_bound(c, &exact);
  if (!(exact && bound <= FDA_LOOP_PREFERRED_BOUND) && fda_seal_proc(c) == 0) {
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
  enter(c, FDA_STEP_SETRLIMIT);
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
  enter(c, FDA_STEP_CHDIR);
  if (c->plan->cwd && fda_sys_chdir(c->plan->cwd) != 0) return fda_child_fail(c, errno, FDA_STEP_CHDIR);
  return 0;
}

int fda_child_setpgid(struct fda_child *c) {
  enter(c, FDA_STEP_SETPGID);
  if (c->plan->setpgid && fda_sys_setpgid(0, 0) != 0) return fda_child_fail(c, errno, FDA_STEP_SETPGID);
  return 0;
}

void fda_child_exec(struct fda_child *c) {
  enter(c, FDA_STEP_EXECVE);
  fda_sys_execve(c->plan->file, c->plan->argv, c->plan->envp);
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

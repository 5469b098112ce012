/*
 * fdaudit-probe: reports what this process inherited (fds, RLIMIT_NOFILE,
 * blocked and ignored signals, cwd, umask) as an `fdaudit/probe@1` JSON
 * report. A launcher under audit starts it; the report says what crossed.
 *
 * The fd snapshot comes first, before anything is opened, so that nothing the
 * probe does can show up as inherited: the only fd alive during the snapshot
 * is the /proc/self/fd directory itself, whose number is left out. The report
 * file is opened after the snapshot, so it never appears either.
 *
 * Signal names: 1..31 by their usual names; signal 34+k is "SIGRTMIN+k"
 * ("SIGRTMIN" for 34), the numbering glibc, bash and Python use; signals 32
 * and 33, which glibc keeps for itself, are "SIG32" and "SIG33".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "describe.h"

#define PROBE_NAME "fdaudit-probe"
#define EXIT_FAILURE_RUNTIME 1
#define EXIT_USAGE 2

/* ---- fd snapshot ---- */

struct fd_list {
  int *fds;
  size_t len, cap;
};

static int fd_list_add(struct fd_list *l, int fd) {
  if (l->len == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    int *bigger = realloc(l->fds, cap * sizeof *bigger);
    if (!bigger) return -1;
    l->fds = bigger;
    l->cap = cap;
  }
  l->fds[l->len++] = fd;
  return 0;
}

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* getdents64 lands here: static, so the walk itself allocates nothing. */
static _Alignas(8) char dirent_buf[32768];

static int parse_fd_name(const char *s) {
  if (!*s) return -1;
  long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
    if (v > INT_MAX) return -1;
  }
  return (int)v;
}

/*
 * Lists /proc/self/fd with raw syscalls: libc's opendir would allocate and
 * could be interposed; here only one fd exists while the list is read.
 * Returns 0, or -1 with errno when /proc is out of reach (no fd left open).
 */
static int snapshot_proc(struct fd_list *out) {
  int dir = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -1;
  for (;;) {
    long n = syscall(SYS_getdents64, dir, dirent_buf, sizeof dirent_buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      syscall(SYS_close, dir);
      errno = saved;
      return -1;
    }
    if (n == 0) break;
    for (long off = 0; off < n;) {
      struct linux_dirent64 *e = (struct linux_dirent64 *)(dirent_buf + off);
      off += e->d_reclen;
      int fd = parse_fd_name(e->d_name);
      if (fd < 0 || fd == dir) continue;
      if (fd_list_add(out, fd) < 0) {
        syscall(SYS_close, dir);
        errno = ENOMEM;
        return -1;
      }
    }
  }
  syscall(SYS_close, dir);
  return 0;
}

/*
 * Without /proc: ask fcntl(F_GETFD) about every number an fd can have. fcntl
 * sees every open fd; poll() would not do (it answers POLLNVAL for an O_PATH
 * fd, which is open and crosses exec like any other).
 *
 * "Every number" is every number below the size of this process's fd table
 * (no fd can sit at or above it, whatever the limits say; an fd can sit above
 * the soft and even the hard limit when a limit was lowered after it was
 * opened). The kernel does not publish that size outside /proc, but select()
 * gives it away: it ignores bits at or above the table size, and fails with
 * EBADF for a closed number below it. So "is N below the table size?" is
 * answered by fcntl (open: yes) or else by a zero-timeout pselect6 on N alone
 * (EBADF: yes, 0: no), and the size is found by doubling, then bisecting.
 * The sweep then costs the table this process has, not a limit that an
 * administrator can raise to 2^30.
 *
 * Where select is refused (a seccomp profile), the bound falls back to the
 * largest of both limits and the default fs.nr_open (1 << 20).
 */
#define TABLE_MIN 64 /* NR_OPEN_DEFAULT: no table is smaller */

/* 1 when n is below the fd table size, 0 when not, -1 when select is refused. */
static int below_table_size(int n) {
  if (syscall(SYS_fcntl, n, F_GETFD) >= 0) return 1;
  size_t bytes = ((size_t)n / 64 + 1) * 8;
  /* Zero pages the kernel reads only up to its table size: mapped, not
   * allocated, and unmapped again. No fd is involved. */
  uint64_t *set = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (set == MAP_FAILED) return -1;
  set[n / 64] = 1ULL << (n % 64);
  struct timespec zero = {0, 0};
  long r;
  do r = syscall(SYS_pselect6, n + 1, set, NULL, NULL, &zero, NULL);
  while (r < 0 && errno == EINTR);
  int saved = errno;
  munmap(set, bytes);
  if (r >= 0) return r > 0; /* r > 0 cannot happen for a closed n; counted as below */
  return saved == EBADF ? 1 : -1;
}

/* The fd table size (exact), or 0 when select is refused. */
static uint64_t table_size(void) {
  /* Invariant: lo - 1 is below the size and hi - 1 is not. */
  uint64_t lo = TABLE_MIN, hi = 2 * TABLE_MIN;
  for (;;) {
    int below = below_table_size((int)(hi - 1));
    if (below < 0) return 0;
    if (!below) break;
    lo = hi;
    /* No table reaches INT_MAX (fs.nr_open stops below 2^31 - 64). */
    if (2 * hi > (uint64_t)INT_MAX) {
      hi = (uint64_t)INT_MAX;
      break;
    }
    hi *= 2;
  }
  while (hi - lo > 1) {
    uint64_t mid = lo + (hi - lo) / 2;
    int below = below_table_size((int)(mid - 1));
    if (below < 0) return 0;
    if (below) lo = mid;
    else hi = mid;
  }
  return lo;
}

static uint64_t static_bound(void) {
  struct rlimit rl;
  uint64_t bound = 1u << 20;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > bound) bound = rl.rlim_cur;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max > bound) bound = rl.rlim_max;
  }
  return bound > (uint64_t)INT_MAX + 1 ? (uint64_t)INT_MAX + 1 : bound;
}

static int snapshot_scan(struct fd_list *out) {
  uint64_t bound = table_size();
  if (bound == 0) bound = static_bound();
  for (uint64_t fd = 0; fd < bound; fd++)
    if (syscall(SYS_fcntl, (int)fd, F_GETFD) >= 0 && fd_list_add(out, (int)fd) < 0) return -1;
  return 0;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* ---- JSON output ---- */

struct out {
  char *p;
  size_t len, cap;
  int failed;
};

static void put_raw(struct out *o, const char *s, size_t n) {
  if (o->failed) return;
  if (o->len + n + 1 > o->cap) {
    size_t cap = o->cap ? o->cap : 4096;
    while (o->len + n + 1 > cap) cap *= 2;
    char *bigger = realloc(o->p, cap);
    if (!bigger) {
      o->failed = 1;
      return;
    }
    o->p = bigger;
    o->cap = cap;
  }
  memcpy(o->p + o->len, s, n);
  o->len += n;
  o->p[o->len] = '\0';
}

static void put(struct out *o, const char *s) { put_raw(o, s, strlen(s)); }

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...) {
  char buf[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof buf) {
    o->failed = 1;
    return;
  }
  put_raw(o, buf, (size_t)n);
}

/*
 * A JSON string from arbitrary bytes (file names need not be UTF-8). Valid
 * UTF-8 passes through; each byte of a malformed sequence becomes a lone low
 * surrogate \udcXX (Python's "surrogateescape" mapping), which keeps distinct
 * names distinct and parses in JavaScript.
 */
static void put_str(struct out *o, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  size_t len = strlen(str);
  put_raw(o, "\"", 1);
  for (size_t i = 0; i < len;) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      put_raw(o, esc, 2);
      i++;
    } else if (c < 0x20) {
      switch (c) {
      case '\n': put(o, "\\n"); break;
      case '\t': put(o, "\\t"); break;
      case '\r': put(o, "\\r"); break;
      case '\b': put(o, "\\b"); break;
      case '\f': put(o, "\\f"); break;
      default: putf(o, "\\u%04x", c); break;
      }
      i++;
    } else {
      size_t n = fda_utf8_len(s + i, len - i);
      if (n == 0) {
        putf(o, "\\udc%02x", c);
        i++;
      } else {
        put_raw(o, (const char *)s + i, n);
        i += n;
      }
    }
  }
  put_raw(o, "\"", 1);
}

/* ---- signals ---- */

#define KSIG_MAX 64

static const char *const signal_names[32] = {
  [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT",     [SIGILL] = "SIGILL",
  [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS",       [SIGFPE] = "SIGFPE",
  [SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",     [SIGUSR2] = "SIGUSR2",
  [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
#ifdef SIGSTKFLT
  [SIGSTKFLT] = "SIGSTKFLT",
#endif
  [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP",     [SIGTSTP] = "SIGTSTP",
  [SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU",
  [SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
  [SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",   [SIGSYS] = "SIGSYS",
};

static void put_signal(struct out *o, int sig) {
  if (sig < 32 && signal_names[sig]) put_str(o, signal_names[sig]);
  else if (sig < 34) putf(o, "\"SIG%d\"", sig);
  else if (sig == 34) put(o, "\"SIGRTMIN\"");
  else putf(o, "\"SIGRTMIN+%d\"", sig - 34);
}

/*
 * Raw syscalls: glibc hides signals 32 and 33 from sigaction() and
 * sigismember(), but a launcher may still have blocked or ignored them.
 */
static int blocked_mask(uint64_t *mask) {
  return (int)syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, mask, sizeof *mask);
}

static int is_ignored(int sig) {
  /* Only sa_handler is read; it comes first in every architecture's layout,
   * and the tail leaves room for the rest. */
  struct {
    uintptr_t handler;
    unsigned long rest[8];
  } ksa;
  memset(&ksa, 0, sizeof ksa);
  if (syscall(SYS_rt_sigaction, sig, NULL, &ksa, sizeof(uint64_t)) != 0) return 0;
  return ksa.handler == (uintptr_t)SIG_IGN;
}

/* ---- the report ---- */

static void put_limit(struct out *o, rlim_t v) {
  if (v == RLIM_INFINITY) put(o, "\"unlimited\"");
  else putf(o, "%llu", (unsigned long long)v);
}

static void put_fd(struct out *o, const struct fda_fd_desc *d) {
  putf(o, "{\"fd\":%d,\"target\":", d->fd);
  put_str(o, d->target);
  put(o, ",\"type\":");
  put_str(o, d->type);
  put(o, ",\"dev\":");
  put_str(o, d->dev);
  put(o, ",\"ino\":");
  put_str(o, d->ino);
  put(o, ",\"flags\":");
  put_str(o, d->flags);
  put(o, ",\"pos\":");
  put_str(o, d->pos);
  put(o, ",\"identity\":");
  put_str(o, d->identity);
  put(o, "}");
}

static void build_report(struct out *o, const struct fd_list *fds) {
  static struct fda_fd_desc d; /* large (the target buffer): off the stack */
  putf(o, "{\"schema\":\"fdaudit/probe@1\",\"pid\":%ld,\"ppid\":%ld,\"fds\":[", (long)getpid(),
       (long)getppid());
  int first = 1;
  for (size_t i = 0; i < fds->len; i++) {
    int rc = fda_describe_fd(fds->fds[i], &d);
    /* EBADF: a number that is not ours to use (valgrind reserves some). */
    if (rc == -EBADF) continue;
    if (rc < 0) fda_describe_unknown(fds->fds[i], &d);
    if (!first) put(o, ",");
    first = 0;
    put(o, "\n  ");
    put_fd(o, &d);
  }
  put(o, "],\n\"rlimitNofile\":{\"soft\":");
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    put_limit(o, rl.rlim_cur);
    put(o, ",\"hard\":");
    put_limit(o, rl.rlim_max);
  } else {
    put(o, "\"unknown\",\"hard\":\"unknown\"");
  }

  put(o, "},\n\"signals\":{\"blocked\":[");
  uint64_t mask = 0;
  first = 1;
  if (blocked_mask(&mask) == 0) {
    for (int sig = 1; sig <= KSIG_MAX; sig++) {
      if (!(mask & (1ULL << (sig - 1)))) continue;
      if (!first) put(o, ",");
      first = 0;
      put_signal(o, sig);
    }
  }
  put(o, "],\"ignored\":[");
  first = 1;
  for (int sig = 1; sig <= KSIG_MAX; sig++) {
    if (!is_ignored(sig)) continue;
    if (!first) put(o, ",");
    first = 0;
    put_signal(o, sig);
  }
  put(o, "]},\n\"cwd\":");
  static char cwd[PATH_MAX + 1];
  put_str(o, getcwd(cwd, sizeof cwd) ? cwd : "unknown");
  mode_t mask_now = umask(0);
  umask(mask_now);
  putf(o, ",\"umask\":\"%04o\"}\n", (unsigned)mask_now);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: " PROBE_NAME " [--report PATH|-]\n"
          "\n"
          "Writes an fdaudit/probe@1 JSON report of what this process inherited:\n"
          "open fds (number, target, type, dev, ino, flags, pos, identity),\n"
          "RLIMIT_NOFILE, blocked and ignored signals, pid, ppid, cwd and umask.\n"
          "\n"
          "  --report PATH   write the report to PATH (created or truncated)\n"
          "  --report -      write the report to stdout (the default)\n"
          "  --help          show this text\n"
          "\n"
          "Signals are named SIGPIPE, SIGUSR1, ...; real-time ones SIGRTMIN+k counted\n"
          "from glibc's SIGRTMIN (34); 32 and 33 are SIG32 and SIG33.\n"
          "\n"
          "Exit status: 0 report written, 1 report could not be written, 2 usage error.\n");
}

int main(int argc, char **argv) {
  /* The snapshot first: nothing else may be open while it is taken. */
  struct fd_list fds = {0};
  int have_proc = snapshot_proc(&fds) == 0;
  if (!have_proc) {
    fds.len = 0;
    if (snapshot_scan(&fds) < 0) {
      fprintf(stderr, PROBE_NAME ": cannot list open fds: %s\n", strerror(errno));
      return EXIT_FAILURE_RUNTIME;
    }
  }
  qsort(fds.fds, fds.len, sizeof *fds.fds, cmp_int);

  const char *report = "-";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--report") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, PROBE_NAME ": --report needs a PATH (or - for stdout)\n");
        return EXIT_USAGE;
      }
      report = argv[++i];
    } else if (strncmp(a, "--report=", 9) == 0) {
      report = a + 9;
    } else {
      fprintf(stderr, PROBE_NAME ": unknown argument '%s' (see --help)\n", a);
      return EXIT_USAGE;
    }
  }
  if (!*report) {
    fprintf(stderr, PROBE_NAME ": --report needs a non-empty PATH (or - for stdout)\n");
    return EXIT_USAGE;
  }

  struct out o = {0};
  build_report(&o, &fds);
  if (o.failed) {
    fprintf(stderr, PROBE_NAME ": out of memory while building the report\n");
    return EXIT_FAILURE_RUNTIME;
  }

  int to_stdout = strcmp(report, "-") == 0;
  int fd = to_stdout ? STDOUT_FILENO
                     : open(report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0) {
    fprintf(stderr, PROBE_NAME ": cannot open report file '%s': %s\n", report, strerror(errno));
    return EXIT_FAILURE_RUNTIME;
  }
  /* With stdio closed the report would land on 0..2, where a message meant
   * for stderr could end up inside it: keep it above. */
  if (!to_stdout && fd <= STDERR_FILENO) {
    int high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (high >= 0) {
      close(fd);
      fd = high;
    }
  }
  if (write_all(fd, o.p, o.len) < 0) {
    fprintf(stderr, PROBE_NAME ": cannot write report to '%s': %s\n", to_stdout ? "stdout" : report,
            strerror(errno));
    return EXIT_FAILURE_RUNTIME;
  }
  if (!to_stdout && close(fd) < 0) {
    fprintf(stderr, PROBE_NAME ": cannot write report to '%s': %s\n", report, strerror(errno));
    return EXIT_FAILURE_RUNTIME;
  }
  free(o.p);
  free(fds.fds);
  return 0;
}

/*
 * fdaudit-variants-test: every launcher variant run for real on fdaudit-seen
 * (next to this executable), from a parent that holds non-CLOEXEC fds low,
 * at >= 1024 and above a lowered soft limit, a CLOEXEC control, a keep fd, a
 * raised soft limit, a blocked and an ignored signal.
 *
 * fork and posix_spawn must seal; each mutant must show its flaw in the
 * scenario that exposes it AND behave like the sealed launcher outside it.
 * A control launch with seal == 0 proves the harness sees a leak at all.
 *
 * Output is TAP-like ("ok N - ...", "not ok N - ..."); exit status 1 when a
 * check failed, 2 when the set-up itself failed.
 *
 *   fdaudit-variants-test [--seen PATH] [--only NAME]
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "variants.h"

extern char **environ;

/* ------------------------------------------------------------------ checks */

static int nchecks, nfailed;
static const char *only; /* --only: run the checks of one variant */

static int check(int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  nchecks++;
  if (!ok) nfailed++;
  printf("%s %d - ", ok ? "ok" : "not ok", nchecks);
  vprintf(fmt, ap);
  printf("\n");
  fflush(stdout);
  va_end(ap);
  return ok;
}

static void note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("# ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
}

static void die(const char *what) {
  fprintf(stderr, "fdaudit-variants-test: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int selected(const char *name) { return only == NULL || strcmp(only, name) == 0; }

/*
 * What this kernel (or the personality the driver runs under, fdaudit-kernel)
 * allows, asked the way the launchers ask: close_range on a range that
 * holds no fd, and /proc/self/fd. Expectations that depend on them say so.
 */
static int have_close_range, have_proc;

static void probe_kernel(void) {
  have_close_range = syscall(SYS_close_range, ~0U, ~0U, 0) == 0;
  have_proc = access("/proc/self/fd", F_OK) == 0;
}

/* ------------------------------------------------------------ what the child saw */

#define MAX_SEEN 256
#define LIMIT_INF ULLONG_MAX

struct seen {
  int nfd;
  int fd[MAX_SEEN];
  unsigned long long dev[MAX_SEEN], ino[MAX_SEEN];
  unsigned long long soft, hard;
  sigset_t blocked, ignored;
  char cwd[PATH_MAX];
  int pid, pgid;
};

struct ident {
  unsigned long long dev, ino;
};

static struct ident ident_of(int fd) {
  struct stat st;
  struct ident id = {0, 0};
  if (fstat(fd, &st) == 0) {
    id.dev = st.st_dev;
    id.ino = st.st_ino;
  }
  return id;
}

/* Index of fd in the child's table, or -1. */
static int seen_index(const struct seen *s, int fd) {
  for (int i = 0; i < s->nfd; i++)
    if (s->fd[i] == fd) return i;
  return -1;
}

static int seen_has(const struct seen *s, int fd) { return seen_index(s, fd) >= 0; }

/* The child's fd holding the same open file as the parent's fd `fd`, or -1 (first match). */
static int seen_find(const struct seen *s, int parent_fd) {
  struct ident id = ident_of(parent_fd);
  for (int i = 0; i < s->nfd; i++)
    if (s->dev[i] == id.dev && s->ino[i] == id.ino) return s->fd[i];
  return -1;
}

static int seen_same(const struct seen *s, int child_fd, int parent_fd) {
  int i = seen_index(s, child_fd);
  struct ident id = ident_of(parent_fd);
  return i >= 0 && s->dev[i] == id.dev && s->ino[i] == id.ino;
}

static unsigned long long parse_limit(const char **p) {
  while (**p == ' ') (*p)++;
  if (strncmp(*p, "inf", 3) == 0) {
    *p += 3;
    return LIMIT_INF;
  }
  char *end;
  unsigned long long v = strtoull(*p, &end, 10);
  *p = end;
  return v;
}

static void parse_sigs(const char *p, sigset_t *set) {
  sigemptyset(set);
  char *end;
  for (;;) {
    long v = strtol(p, &end, 10);
    if (end == p) break;
    sigaddset(set, (int)v);
    p = end;
  }
}

static int parse_seen(char *text, struct seen *s) {
  memset(s, 0, sizeof *s);
  int have_rlimit = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (strncmp(line, "fd ", 3) == 0 && s->nfd < MAX_SEEN) {
      if (sscanf(line, "fd %d %llu:%llu", &s->fd[s->nfd], &s->dev[s->nfd], &s->ino[s->nfd]) == 3) s->nfd++;
    } else if (strncmp(line, "rlimit", 6) == 0) {
      const char *p = line + 6;
      s->soft = parse_limit(&p);
      s->hard = parse_limit(&p);
      have_rlimit = 1;
    } else if (strncmp(line, "blocked", 7) == 0) {
      parse_sigs(line + 7, &s->blocked);
    } else if (strncmp(line, "ignored", 7) == 0) {
      parse_sigs(line + 7, &s->ignored);
    } else if (strncmp(line, "cwd ", 4) == 0) {
      snprintf(s->cwd, sizeof s->cwd, "%s", line + 4);
    } else if (strncmp(line, "pid ", 4) == 0) {
      sscanf(line, "pid %d %d", &s->pid, &s->pgid);
    }
  }
  return have_rlimit ? 0 : -1;
}

static int sigset_count(const sigset_t *set) {
  int n = 0;
  for (int sig = 1; sig < NSIG; sig++) n += sigismember(set, sig) == 1;
  return n;
}

/* ------------------------------------------------------------------ launching */

#define REPORT (-2) /* placeholder in a request's stdio: the pipe the report comes back on */

static char seen_path[PATH_MAX + 16]; /* a directory of up to PATH_MAX, then the name */

struct request {
  int stdio[8];
  int nstdio;
  int keep[4];
  int nkeep;
  int seal;
  int strategy;
  int rlimit_mode;
  const char *file; /* default: fdaudit-seen */
  const char *cwd;
  int setpgid;
  sigset_t child_mask;
  sigset_t child_ignore;
};

static struct request base_request(void) {
  struct request r;
  memset(&r, 0, sizeof r);
  r.nstdio = 3;
  r.stdio[0] = -1;
  r.stdio[1] = REPORT;
  r.stdio[2] = 2;
  r.seal = 1;
  r.strategy = FDA_CLOSE_AUTO;
  r.rlimit_mode = FDA_RLIMIT_FD_SETSIZE;
  sigemptyset(&r.child_mask);
  sigemptyset(&r.child_ignore);
  return r;
}

struct outcome {
  int rc;
  struct fda_result res;
  int status; /* wait status of a child that ran */
  int parsed; /* the report was complete */
  struct seen seen;
};

/* Read end and write end of the report pipe, both CLOEXEC and above the std slots. */
static void report_pipe(int p[2]) {
  int raw[2];
  if (pipe2(raw, O_CLOEXEC) != 0) die("pipe2");
  for (int i = 0; i < 2; i++) {
    p[i] = fcntl(raw[i], F_DUPFD_CLOEXEC, 10);
    if (p[i] < 0) die("F_DUPFD_CLOEXEC");
    close(raw[i]);
  }
}

static int launches, plans_rewritten;

static struct outcome launch(fda_spawn_fn fn, const struct request *rq) {
  struct outcome o;
  memset(&o, 0, sizeof o);
  int p[2];
  report_pipe(p);

  int stdio[8] = {0};
  for (int i = 0; i < rq->nstdio; i++) stdio[i] = rq->stdio[i] == REPORT ? p[1] : rq->stdio[i];
  const char *file = rq->file ? rq->file : seen_path;
  char *argv[] = {(char *)file, NULL};
  struct fda_plan plan;
  memset(&plan, 0, sizeof plan);
  plan.file = file;
  plan.argv = argv;
  plan.envp = environ;
  plan.cwd = rq->cwd;
  plan.stdio = stdio;
  plan.nstdio = rq->nstdio;
  plan.keep = rq->keep;
  plan.nkeep = rq->nkeep;
  plan.seal = rq->seal;
  plan.strategy = rq->strategy;
  plan.rlimit_mode = rq->rlimit_mode;
  plan.child_mask = rq->child_mask;
  plan.child_ignore = rq->child_ignore;
  plan.setpgid = rq->setpgid;

  int stdio_before[8], keep_before[4];
  memcpy(stdio_before, stdio, sizeof stdio_before);
  memcpy(keep_before, rq->keep, sizeof keep_before);
  o.rc = fn(&plan, &o.res);
  /* F7: the caller's arrays are the caller's, whatever the child did. */
  if (memcmp(stdio_before, stdio, sizeof(int) * (size_t)rq->nstdio) != 0 ||
      memcmp(keep_before, rq->keep, sizeof(int) * (size_t)rq->nkeep) != 0)
    __atomic_add_fetch(&plans_rewritten, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&launches, 1, __ATOMIC_RELAXED);
  close(p[1]);
  if (o.rc != 0) {
    close(p[0]);
    return o;
  }
  char *buf = malloc(1 << 16); /* launches also run from several threads */
  if (buf == NULL) die("malloc");
  size_t len = 0;
  for (;;) {
    ssize_t n = read(p[0], buf + len, (1 << 16) - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
    if (len == (1 << 16) - 1) break;
  }
  buf[len] = 0;
  close(p[0]);
  while (waitpid(o.res.pid, &o.status, 0) < 0 && errno == EINTR) {
  }
  o.parsed = WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0 && parse_seen(buf, &o.seen) == 0;
  free(buf);
  return o;
}

/* ------------------------------------------------------------------ the parent's set-up */

static struct {
  int devnull;      /* CLOEXEC; a stdin source */
  int lo[2];        /* non-CLOEXEC pipe at low numbers */
  int hi;           /* non-CLOEXEC, >= 1024 */
  int above;        /* non-CLOEXEC, above LOWERED_SOFT */
  int cloexec;      /* CLOEXEC control: must never cross */
  int keep;         /* non-CLOEXEC, passed on purpose */
  rlim_t hard;
} env;

#define HIGH_FD 1500
#define ABOVE_FD 700
#define LOWERED_SOFT 512

static int move_to(int fd, int target) {
  int r = fcntl(fd, F_DUPFD, target);
  if (r != target) {
    errno = r < 0 ? errno : EEXIST;
    die("placing a bait fd");
  }
  close(fd);
  return r;
}

static void set_soft(rlim_t soft) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) die("getrlimit");
  rl.rlim_cur = soft;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) die("setrlimit");
}

static rlim_t get_soft(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) die("getrlimit");
  return rl.rlim_cur;
}

static void set_cloexec(int fd, int on) {
  if (fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0) != 0) die("F_SETFD");
}

/* The non-CLOEXEC baits, for scenarios that need a parent without strays. */
static void baits_cloexec(int on) {
  set_cloexec(env.lo[0], on);
  set_cloexec(env.lo[1], on);
  set_cloexec(env.hi, on);
  set_cloexec(env.above, on);
}

static void setup(void) {
  /* Whatever this process inherited above stdio is not a bait: keep it out of every child. */
  for (int fd = 3; fd < 4096; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC)) set_cloexec(fd, 1);
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) die("getrlimit");
  env.hard = rl.rlim_max;
  /* Like Node at start-up: the soft limit raised to the hard one. */
  set_soft(rl.rlim_max);
  if (get_soft() <= HIGH_FD) {
    errno = ERANGE;
    die("the hard RLIMIT_NOFILE is too low for an fd >= 1024");
  }

  env.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (env.devnull < 0) die("open /dev/null");
  if (pipe(env.lo) != 0) die("pipe");
  /* One open file per bait (the two ends of a pipe share an inode): each is found by identity. */
  int t[2];
  if (pipe(t) != 0) die("pipe");
  env.hi = move_to(t[0], HIGH_FD);
  close(t[1]);
  if (pipe(t) != 0) die("pipe");
  env.above = move_to(t[0], ABOVE_FD);
  close(t[1]);
  if (pipe2(t, O_CLOEXEC) != 0) die("pipe2");
  env.cloexec = t[0];
  close(t[1]);
  if (pipe(t) != 0) die("pipe");
  env.keep = t[0];
  close(t[1]);

  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  if (sigprocmask(SIG_BLOCK, &block, NULL) != 0) die("sigprocmask");
  if (signal(SIGUSR2, SIG_IGN) == SIG_ERR) die("signal");
}

/* The signals the parent carries: SIGUSR1 blocked, SIGUSR2 ignored (set_parent_signals(0) drops both). */
static void set_parent_signals(int on) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  if (sigprocmask(on ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL) != 0) die("sigprocmask");
  if (signal(SIGUSR2, on ? SIG_IGN : SIG_DFL) == SIG_ERR) die("signal");
}

static int count_open_fds(void) {
  int n = 0;
  for (int fd = 0; fd < 4096; fd++) n += fcntl(fd, F_GETFD) >= 0;
  return n;
}

static int no_zombie(void) {
  int st;
  return waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD;
}

/* ------------------------------------------------------------------ shared expectations */

/* Exactly the planned slots and keep fds, each holding the planned open file; no bait. */
static int expect_fds_sealed(const char *who, const struct outcome *o, const struct request *rq) {
  int ok = check(o->rc == 0 && o->parsed, "%s: launch ran and the child reported (rc %d, err %s, step %s)", who,
                 o->rc, strerror(o->res.err), fda_step_name(o->res.step));
  if (!ok) return 0;
  const struct seen *s = &o->seen;
  int expected = 0, right = 1;
  for (int i = 0; i < rq->nstdio; i++) {
    if (rq->stdio[i] == -1) {
      right &= !seen_has(s, i);
      continue;
    }
    expected++;
    if (rq->stdio[i] != REPORT) right &= seen_same(s, i, rq->stdio[i]);
    else right &= seen_has(s, i);
  }
  for (int j = 0; j < rq->nkeep; j++) {
    expected++;
    right &= seen_same(s, rq->keep[j], rq->keep[j]);
  }
  ok &= check(right && s->nfd == expected, "%s: child has exactly the %d planned fds (has %d)", who, expected,
              s->nfd);
  ok &= check(seen_find(s, env.lo[0]) < 0 && seen_find(s, env.hi) < 0 && seen_find(s, env.above) < 0,
              "%s: no bait crossed (low, >= 1024, above the soft limit)", who);
  ok &= check(seen_find(s, env.cloexec) < 0, "%s: the CLOEXEC control did not cross", who);
  return ok;
}

static unsigned long long reset_soft(unsigned long long parent_soft) {
  return parent_soft > FD_SETSIZE ? FD_SETSIZE : parent_soft;
}

static int expect_signals_clean(const char *who, const struct outcome *o, const sigset_t *mask) {
  int same = 1;
  for (int sig = 1; sig < NSIG; sig++) same &= sigismember(&o->seen.blocked, sig) == sigismember(mask, sig);
  int a = check(o->parsed && same, "%s: child's blocked mask is the plan's (%d blocked)", who,
                sigset_count(&o->seen.blocked));
  int b = check(o->parsed && sigset_count(&o->seen.ignored) == 0, "%s: no signal ignored in the child (%d)", who,
                sigset_count(&o->seen.ignored));
  return a && b;
}

static void expect_soft(const char *who, const struct outcome *o, unsigned long long want, const char *why) {
  check(o->parsed && o->seen.soft == want, "%s: child soft RLIMIT_NOFILE %llu, expected %llu (%s)", who,
        o->seen.soft, want, why);
}

/* ------------------------------------------------------------------ the honest variants */

static struct request with_keep(struct request r) {
  r.keep[0] = env.keep;
  r.nkeep = 1;
  return r;
}

static void test_sealing(const char *name, int lowers_rlimit) {
  if (!selected(name)) return;
  fda_spawn_fn fn = fda_variant_by_name(name);
  char who[96];

  struct request rq = with_keep(base_request());
  rq.stdio[0] = env.devnull;
  struct outcome o = launch(fn, &rq);
  snprintf(who, sizeof who, "%s (raised limit, blocked+ignored signals)", name);
  expect_fds_sealed(who, &o, &rq);
  expect_signals_clean(who, &o, &rq.child_mask);
  expect_soft(who, &o, lowers_rlimit ? FD_SETSIZE : get_soft(),
              lowers_rlimit ? "reset to FD_SETSIZE" : "glibc cannot change it");
  if (have_close_range)
    check(o.rc == 0 && o.res.strategy == FDA_CLOSE_RANGE, "%s: sealed with close_range on this kernel (%s)", name,
          fda_strategy_name(o.res.strategy));
  else
    check(o.rc == 0 && o.res.strategy != FDA_CLOSE_RANGE && o.res.strategy != FDA_CLOSE_NONE,
          "%s: sealed with a fallback where close_range is refused (%s)", name, fda_strategy_name(o.res.strategy));

  /* Above a lowered soft limit, and the limit itself never raised (F6). */
  set_soft(LOWERED_SOFT);
  o = launch(fn, &rq);
  snprintf(who, sizeof who, "%s (soft limit lowered to %d)", name, LOWERED_SOFT);
  expect_fds_sealed(who, &o, &rq);
  expect_soft(who, &o, LOWERED_SOFT, "a lower soft limit is never raised");
  set_soft(env.hard);

  /*
   * A swap: slot 0 <- the parent's 2, slot 2 <- the parent's 0, made a pipe of
   * its own here so the two are told apart. Applied in order without moving
   * the sources first, slot 2 would get the parent's 2 back.
   */
  int saved0 = fcntl(0, F_DUPFD_CLOEXEC, 10);
  int q[2];
  if (saved0 < 0 || pipe2(q, O_CLOEXEC) != 0 || dup2(q[0], 0) != 0) die("making fd 0 a pipe");
  struct request sh = base_request();
  sh.stdio[0] = 2;
  sh.stdio[2] = 0;
  o = launch(fn, &sh);
  snprintf(who, sizeof who, "%s (swapped stdio [2, report, 0])", name);
  expect_fds_sealed(who, &o, &sh);
  check(o.parsed && seen_same(&o.seen, 2, q[0]) && seen_same(&o.seen, 0, 2),
        "%s: the swap is collision-safe (child 2 is the parent's 0)", name);
  if (dup2(saved0, 0) != 0) die("restoring fd 0");
  close(saved0);
  close(q[0]);
  close(q[1]);

  /* The plan's mask is installed; chdir and setpgid are done. */
  struct request m = base_request();
  sigaddset(&m.child_mask, SIGTERM);
  m.cwd = "/";
  m.setpgid = 1;
  o = launch(fn, &m);
  snprintf(who, sizeof who, "%s (mask {SIGTERM}, cwd /, setpgid)", name);
  expect_signals_clean(who, &o, &m.child_mask);
  check(o.parsed && strcmp(o.seen.cwd, "/") == 0, "%s: child's cwd is / (%s)", name, o.seen.cwd);
  check(o.parsed && o.seen.pgid == o.seen.pid && o.seen.pid == o.res.pid,
        "%s: child leads its own process group (pid %d, pgid %d)", name, o.seen.pid, o.seen.pgid);

  /* A keep fd that is CLOEXEC in the parent still crosses: keep is on purpose. */
  set_cloexec(env.keep, 1);
  o = launch(fn, &rq);
  snprintf(who, sizeof who, "%s (keep fd CLOEXEC in the parent)", name);
  expect_fds_sealed(who, &o, &rq);
  set_cloexec(env.keep, 0);

  /* Failures come back with the step; nothing is left behind. */
  int before = count_open_fds();
  struct request bad = base_request();
  bad.file = "/nonexistent/fdaudit-no-such-program";
  o = launch(fn, &bad);
  int want_step = strcmp(name, "posix_spawn") == 0 ? FDA_STEP_POSIX_SPAWN : FDA_STEP_EXECVE;
  check(o.rc == -1 && o.res.err == ENOENT && o.res.step == want_step, "%s: missing program fails with ENOENT at %s (%s at %s)",
        name, fda_step_name(want_step), strerror(o.res.err), fda_step_name(o.res.step));
  bad = base_request();
  bad.cwd = "/nonexistent/fdaudit-no-such-dir";
  o = launch(fn, &bad);
  want_step = strcmp(name, "posix_spawn") == 0 ? FDA_STEP_POSIX_SPAWN : FDA_STEP_CHDIR;
  check(o.rc == -1 && o.res.err == ENOENT && o.res.step == want_step, "%s: missing cwd fails with ENOENT at %s (%s at %s)",
        name, fda_step_name(want_step), strerror(o.res.err), fda_step_name(o.res.step));
  bad = base_request();
  bad.stdio[0] = 4000; /* not open */
  o = launch(fn, &bad);
  check(o.rc == -1 && o.res.err == EBADF, "%s: a source that is not open fails with EBADF (%s at %s)", name,
        strerror(o.res.err), fda_step_name(o.res.step));
  check(no_zombie(), "%s: no zombie after failed launches", name);
  check(count_open_fds() == before, "%s: no fd leaked in the parent (%d before, %d after)", name, before,
        count_open_fds());
}

static void test_forced_strategies(const char *name) {
  if (!selected(name)) return;
  static const int forced[] = {FDA_CLOSE_RANGE, FDA_CLOSE_PROC, FDA_CLOSE_POLL, FDA_CLOSE_LOOP};
  for (size_t i = 0; i < sizeof forced / sizeof forced[0]; i++) {
    struct request rq = with_keep(base_request());
    rq.strategy = forced[i];
    set_soft(LOWERED_SOFT);
    struct outcome o = launch(fda_variant_by_name(name), &rq);
    set_soft(env.hard);
    char who[96];
    snprintf(who, sizeof who, "%s (forced %s, soft %d)", name, fda_strategy_name(forced[i]), LOWERED_SOFT);
    /* A forced strategy never falls back: where the kernel refuses it, the launch fails at that step. */
    if ((forced[i] == FDA_CLOSE_RANGE && !have_close_range) || (forced[i] == FDA_CLOSE_PROC && !have_proc)) {
      int step = forced[i] == FDA_CLOSE_RANGE ? FDA_STEP_CLOSE_RANGE : FDA_STEP_CLOSE;
      check(o.rc == -1 && o.res.step == step && o.res.err != 0 && no_zombie(),
            "%s: refused here, the launch fails at %s (%s at %s), child reaped", who, fda_step_name(step),
            strerror(o.res.err), fda_step_name(o.res.step));
      continue;
    }
    expect_fds_sealed(who, &o, &rq);
    check(o.res.strategy == forced[i], "%s: reports strategy %s", who, fda_strategy_name(o.res.strategy));
  }
}

/* What glibc cannot do is refused, never faked; what it can do is done. */
static void test_posix_spawn_limits(void) {
  if (!selected("posix_spawn")) return;
  struct request rq = base_request();
  rq.strategy = FDA_CLOSE_LOOP;
  struct outcome o = launch(fda_spawn_posix_spawn, &rq);
  check(o.rc == -1 && o.res.err == EINVAL && o.res.step == FDA_STEP_POSIX_SPAWN,
        "posix_spawn: a forced strategy glibc cannot follow is refused (EINVAL at posix_spawn)");

  rq = base_request();
  rq.rlimit_mode = FDA_RLIMIT_EXPLICIT;
  o = launch(fda_spawn_posix_spawn, &rq);
  check(o.rc == -1 && o.res.err == EINVAL && o.res.step == FDA_STEP_POSIX_SPAWN,
        "posix_spawn: an explicit RLIMIT_NOFILE is refused (EINVAL at posix_spawn)");

  rq = base_request();
  sigaddset(&rq.child_ignore, SIGHUP); /* not ignored in the parent */
  o = launch(fda_spawn_posix_spawn, &rq);
  check(o.rc == -1 && o.res.err == EINVAL, "posix_spawn: ignoring a signal the parent does not ignore is refused");

  rq = base_request();
  sigaddset(&rq.child_ignore, SIGUSR2); /* ignored in the parent: glibc leaves it so */
  o = launch(fda_spawn_posix_spawn, &rq);
  check(o.parsed && sigismember(&o.seen.ignored, SIGUSR2) == 1 && sigset_count(&o.seen.ignored) == 1,
        "posix_spawn: a signal the parent ignores stays ignored when the plan asks for it");

  rq = base_request();
  rq.keep[0] = 1;
  rq.nkeep = 1;
  o = launch(fda_spawn_posix_spawn, &rq);
  check(o.rc == -1 && o.res.err == EINVAL, "posix_spawn: a keep fd inside the stdio slots is refused like the core does");
}

/* glibc's closefrom has close_range and the /proc/self/fd walk, nothing after: with both refused it fails. */
static void test_posix_spawn_without_fallback(void) {
  if (!selected("posix_spawn")) return;
  int before = count_open_fds();
  struct request rq = with_keep(base_request());
  struct outcome o = launch(fda_spawn_posix_spawn, &rq);
  check(o.rc == -1 && o.res.step == FDA_STEP_CLOSE && o.res.err == ENOENT,
        "posix_spawn: without close_range and /proc, closefrom cannot seal and the spawn fails (%s at %s)",
        strerror(o.res.err), fda_step_name(o.res.step));
  check(no_zombie() && count_open_fds() == before, "posix_spawn: nothing left behind by the failed spawn");
  rq.seal = 0;
  o = launch(fda_spawn_posix_spawn, &rq);
  check(o.parsed && seen_find(&o.seen, env.lo[0]) >= 0, "posix_spawn: unsealed it still launches (and leaks)");
}

static void test_fork_ignore(void) {
  if (!selected("fork")) return;
  struct request rq = base_request();
  sigaddset(&rq.child_ignore, SIGHUP);
  struct outcome o = launch(fda_spawn_fork, &rq);
  check(o.parsed && sigismember(&o.seen.ignored, SIGHUP) == 1 && sigset_count(&o.seen.ignored) == 1,
        "fork: the plan's ignored signal (SIGHUP) is ignored in the child, nothing else (parent ignores SIGUSR2)");
}

/* Proves the harness sees leaks: seal == 0 lets every non-CLOEXEC fd through, never the CLOEXEC one. */
static void test_harness_sees_leaks(void) {
  if (!selected("fork")) return;
  struct request rq = with_keep(base_request());
  rq.seal = 0;
  struct outcome o = launch(fda_spawn_fork, &rq);
  check(o.parsed && seen_find(&o.seen, env.lo[0]) == env.lo[0] && seen_find(&o.seen, env.hi) == HIGH_FD &&
            seen_find(&o.seen, env.above) == ABOVE_FD,
        "control: fork with seal 0 leaks the low, >= 1024 and above-limit baits at their numbers");
  check(o.parsed && seen_find(&o.seen, env.cloexec) < 0, "control: the CLOEXEC bait does not cross even unsealed");
  check(o.res.strategy == FDA_CLOSE_NONE, "control: strategy none when unsealed (%s)",
        fda_strategy_name(o.res.strategy));
}

/* ------------------------------------------------------------------ the mutants */

static void test_naive_dup(void) {
  const char *name = "mutant:naive-dup";
  if (!selected(name)) return;
  fda_spawn_fn fn = fda_variant_by_name(name);

  /* Negative control: fd 0 open in the parent, every dup() lands above the plan. */
  struct request rq = with_keep(base_request());
  rq.stdio[0] = env.devnull;
  struct outcome o = launch(fn, &rq);
  expect_fds_sealed("mutant:naive-dup (parent fd 0 open)", &o, &rq);
  expect_signals_clean("mutant:naive-dup (parent fd 0 open)", &o, &rq.child_mask);

  /* Exposure: the parent's fd 0 closed. */
  int saved0 = fcntl(0, F_DUPFD_CLOEXEC, 10);
  if (saved0 >= 0) close(0);

  o = launch(fn, &rq); /* [devnull, report, 2] */
  struct outcome ref = launch(fda_spawn_fork, &rq);
  check(ref.parsed && seen_same(&ref.seen, 0, env.devnull), "fork (parent fd 0 closed): child's fd 0 is the planned source");
  check(o.rc == 0 && o.parsed && !seen_same(&o.seen, 0, env.devnull),
        "mutant:naive-dup shows F1 (parent fd 0 closed, plan [devnull, report, 2]): child's fd 0 %s",
        o.parsed ? (seen_has(&o.seen, 0) ? "is the wrong file" : "is closed") : "(no report)");

  struct request closed0 = base_request(); /* [-1, report, 2] */
  o = launch(fn, &closed0);
  ref = launch(fda_spawn_fork, &closed0);
  check(ref.rc == 0 && ref.parsed && !seen_has(&ref.seen, 0), "fork (parent fd 0 closed, plan [-1, report, 2]): launches, fd 0 closed");
  check(o.rc == -1 && o.res.err == EBADF,
        "mutant:naive-dup shows F1/F2 (parent fd 0 closed, plan [-1, report, 2]): launch fails with EBADF (%s at %s)",
        strerror(o.res.err), fda_step_name(o.res.step));
  check(no_zombie(), "mutant:naive-dup: the failed child was reaped");

  if (saved0 >= 0) {
    if (dup2(saved0, 0) != 0) die("restoring fd 0");
    close(saved0);
  }
}

static void test_fd_setsize_fallback(void) {
  const char *name = "mutant:fd-setsize-fallback";
  if (!selected(name)) return;
  fda_spawn_fn fn = fda_variant_by_name(name);

  struct request rq = with_keep(base_request());
  struct outcome o = launch(fn, &rq);
  if (have_close_range) {
    expect_fds_sealed("mutant:fd-setsize-fallback (auto: close_range)", &o, &rq);
    check(o.res.strategy == FDA_CLOSE_RANGE, "mutant:fd-setsize-fallback: auto picks close_range here (%s)",
          fda_strategy_name(o.res.strategy));
  } else {
    /* The kernel exposes it for real: no forcing needed. */
    check(o.parsed && seen_find(&o.seen, env.hi) == HIGH_FD && seen_find(&o.seen, env.lo[0]) < 0 &&
              o.res.strategy == FDA_CLOSE_LOOP,
          "mutant:fd-setsize-fallback shows F3 (auto, close_range refused by the kernel): the fd at %d reaches the child (%s)",
          HIGH_FD, fda_strategy_name(o.res.strategy));
  }

  static const int forced[] = {FDA_CLOSE_PROC, FDA_CLOSE_POLL, FDA_CLOSE_LOOP};
  for (size_t i = 0; i < sizeof forced / sizeof forced[0]; i++) {
    rq.strategy = forced[i];
    set_soft(LOWERED_SOFT); /* lowering the limit closes nothing */
    o = launch(fn, &rq);
    set_soft(env.hard);
    check(o.parsed && seen_find(&o.seen, env.hi) == HIGH_FD,
          "mutant:fd-setsize-fallback shows F3 (forced %s, soft %d): the fd at %d reaches the child",
          fda_strategy_name(forced[i]), LOWERED_SOFT, HIGH_FD);
    check(o.parsed && seen_find(&o.seen, env.lo[0]) < 0 && seen_find(&o.seen, env.above) < 0 &&
              seen_same(&o.seen, env.keep, env.keep),
          "mutant:fd-setsize-fallback (forced %s): fds below 1024 are closed, keep crosses", fda_strategy_name(forced[i]));
  }
}

static void test_leak_above_1023(void) {
  const char *name = "mutant:leak-above-1023";
  if (!selected(name)) return;
  fda_spawn_fn fn = fda_variant_by_name(name);

  struct request rq = with_keep(base_request());
  struct outcome o = launch(fn, &rq);
  check(o.parsed && seen_find(&o.seen, env.hi) == HIGH_FD,
        "mutant:leak-above-1023 shows its flaw (auto): the fd at %d reaches the child", HIGH_FD);
  check(o.parsed && seen_find(&o.seen, env.lo[0]) < 0 && seen_find(&o.seen, env.above) < 0 &&
            seen_same(&o.seen, env.keep, env.keep),
        "mutant:leak-above-1023: fds below 1024 are closed, keep crosses");
  int want = have_close_range ? FDA_CLOSE_RANGE : FDA_CLOSE_LOOP;
  check(o.res.strategy == want, "mutant:leak-above-1023: reports %s (%s)", fda_strategy_name(want),
        fda_strategy_name(o.res.strategy));

  /* Negative control: nothing non-CLOEXEC at >= 1024. */
  set_cloexec(env.hi, 1);
  o = launch(fn, &rq);
  set_cloexec(env.hi, 0);
  expect_fds_sealed("mutant:leak-above-1023 (no non-CLOEXEC fd >= 1024)", &o, &rq);
}

static void test_no_rlimit_reset(void) {
  const char *name = "mutant:no-rlimit-reset";
  if (!selected(name)) return;
  fda_spawn_fn fn = fda_variant_by_name(name);

  struct request rq = with_keep(base_request());
  struct outcome o = launch(fn, &rq);
  expect_fds_sealed("mutant:no-rlimit-reset (raised parent limit)", &o, &rq);
  check(o.parsed && o.seen.soft == get_soft() && get_soft() > FD_SETSIZE,
        "mutant:no-rlimit-reset shows its flaw: the parent's raised soft limit %llu reaches the child (%llu)",
        (unsigned long long)get_soft(), o.seen.soft);

  set_soft(LOWERED_SOFT + 488); /* 1000: not raised */
  o = launch(fn, &rq);
  struct outcome ref = launch(fda_spawn_fork, &rq);
  set_soft(env.hard);
  check(o.parsed && ref.parsed && o.seen.soft == ref.seen.soft && o.seen.soft == 1000,
        "mutant:no-rlimit-reset (parent soft 1000): same limit as the sealed launcher (%llu)", o.seen.soft);
}

static void test_rlimit_raised_if_parent(void) {
  const char *name = "mutant:rlimit-raised-if-parent";
  if (!selected(name)) return;
  fda_spawn_fn fn = fda_variant_by_name(name);
  struct request rq = base_request();

  /* A naive check raises the parent's limit a little; the mutant passes it. */
  set_soft(2 * FD_SETSIZE);
  struct outcome o = launch(fn, &rq);
  check(o.parsed && o.seen.soft == FD_SETSIZE,
        "mutant:rlimit-raised-if-parent (parent soft %d): child reset to %d, slips past a naive check (%llu)",
        2 * FD_SETSIZE, FD_SETSIZE, o.seen.soft);
  set_soft(FDA_MUTANT_RLIMIT_THRESHOLD);
  o = launch(fn, &rq);
  check(o.parsed && o.seen.soft == FD_SETSIZE, "mutant:rlimit-raised-if-parent (parent soft %d): child reset (%llu)",
        FDA_MUTANT_RLIMIT_THRESHOLD, o.seen.soft);

  /* The audit's scenario: raised the way Node raises it, to the hard limit. */
  set_soft(env.hard);
  o = launch(fn, &rq);
  expect_fds_sealed("mutant:rlimit-raised-if-parent (soft = hard)", &o, &rq);
  check(o.parsed && o.seen.soft == (unsigned long long)env.hard && env.hard > FDA_MUTANT_RLIMIT_THRESHOLD,
        "mutant:rlimit-raised-if-parent shows its flaw (parent soft = hard = %llu): child keeps %llu",
        (unsigned long long)env.hard, o.seen.soft);
}

static void test_no_signal_reset(void) {
  const char *name = "mutant:no-signal-reset";
  if (!selected(name)) return;
  fda_spawn_fn fn = fda_variant_by_name(name);
  struct request rq = with_keep(base_request());

  struct outcome o = launch(fn, &rq);
  expect_fds_sealed("mutant:no-signal-reset", &o, &rq);
  expect_soft("mutant:no-signal-reset", &o, reset_soft(get_soft()), "fd steps and limit are the core's");
  check(o.parsed && sigismember(&o.seen.blocked, SIGUSR1) == 1,
        "mutant:no-signal-reset shows F5: the parent's blocked SIGUSR1 is blocked in the child");
  check(o.parsed && sigismember(&o.seen.ignored, SIGUSR2) == 1,
        "mutant:no-signal-reset shows F5: the parent's ignored SIGUSR2 is ignored in the child");

  set_parent_signals(0);
  o = launch(fn, &rq);
  set_parent_signals(1);
  expect_signals_clean("mutant:no-signal-reset (parent blocks and ignores nothing)", &o, &rq.child_mask);
}

static void test_low_renumber(void) {
  const char *name = "mutant:low-renumber";
  if (!selected(name)) return;
  fda_spawn_fn fn = fda_variant_by_name(name);
  struct request rq = with_keep(base_request());
  rq.stdio[0] = env.devnull;

  struct outcome o = launch(fn, &rq);
  int at = o.parsed ? seen_find(&o.seen, env.hi) : -1;
  check(at == 3 && !seen_has(&o.seen, HIGH_FD),
        "mutant:low-renumber shows its flaw: the bait at %d is in the child at fd %d, and fd %d is closed", HIGH_FD,
        at, HIGH_FD);
  check(o.parsed && seen_find(&o.seen, env.lo[0]) < 0 && seen_same(&o.seen, env.keep, env.keep),
        "mutant:low-renumber: the other baits are closed, keep crosses");

  /* With a slot planned closed, the bait takes that slot. */
  struct request closed0 = with_keep(base_request());
  o = launch(fn, &closed0);
  at = o.parsed ? seen_find(&o.seen, env.hi) : -1;
  check(at == 0, "mutant:low-renumber (plan [-1, report, 2]): the bait at %d lands in slot 0 (at %d)", HIGH_FD, at);

  baits_cloexec(1);
  o = launch(fn, &rq);
  baits_cloexec(0);
  expect_fds_sealed("mutant:low-renumber (no non-CLOEXEC stray in the parent)", &o, &rq);
}

static void test_forgets_keep(void) {
  const char *name = "mutant:forgets-keep";
  if (!selected(name)) return;
  fda_spawn_fn fn = fda_variant_by_name(name);

  struct request rq = with_keep(base_request());
  struct outcome o = launch(fn, &rq);
  check(o.parsed && seen_find(&o.seen, env.keep) < 0, "mutant:forgets-keep shows its flaw: the keep fd %d does not cross",
        env.keep);
  check(o.parsed && seen_find(&o.seen, env.lo[0]) < 0 && seen_find(&o.seen, env.hi) < 0,
        "mutant:forgets-keep: the baits are closed");

  struct request nokeep = base_request();
  o = launch(fn, &nokeep);
  expect_fds_sealed("mutant:forgets-keep (no keep fds)", &o, &nokeep);
  expect_signals_clean("mutant:forgets-keep (no keep fds)", &o, &nokeep.child_mask);
}

static void test_registry(void) {
  if (only) return;
  static const char *const ids[] = {"fork",
                                    "posix_spawn",
                                    "mutant:naive-dup",
                                    "mutant:fd-setsize-fallback",
                                    "mutant:no-rlimit-reset",
                                    "mutant:no-signal-reset",
                                    "mutant:low-renumber",
                                    "mutant:forgets-keep",
                                    "mutant:leak-above-1023",
                                    "mutant:rlimit-raised-if-parent"};
  int n = 0;
  while (fda_variant_name(n) != NULL) n++;
  int all = n == (int)(sizeof ids / sizeof ids[0]);
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) all &= fda_variant_by_name(ids[i]) != NULL;
  check(all, "registry: %d variants, every id resolves", n);
  check(fda_variant_by_name("native") == NULL && fda_variant_by_name("mutant:") == NULL &&
            fda_variant_by_name(NULL) == NULL,
        "registry: unknown ids give NULL");
}

/*
 * Launches from several threads at once: the fork variant's per-thread
 * report fd and every variant's parent side must not mix up two launches.
 */
#define THREADS 4
#define PER_THREAD 25

struct thread_job {
  fda_spawn_fn fn;
  int sealed;
};

static void *thread_launches(void *arg) {
  struct thread_job *job = arg;
  for (int i = 0; i < PER_THREAD; i++) {
    struct request rq = base_request();
    rq.stdio[0] = env.devnull;
    struct outcome o = launch(job->fn, &rq);
    job->sealed += o.rc == 0 && o.parsed && o.seen.nfd == 3 && seen_same(&o.seen, 0, env.devnull) &&
                   seen_find(&o.seen, env.lo[0]) < 0 && seen_find(&o.seen, env.hi) < 0;
  }
  return NULL;
}

static void test_threads(const char *name) {
  if (!selected(name)) return;
  int before = count_open_fds();
  pthread_t t[THREADS];
  struct thread_job jobs[THREADS];
  for (int i = 0; i < THREADS; i++) {
    jobs[i].fn = fda_variant_by_name(name);
    jobs[i].sealed = 0;
    if (pthread_create(&t[i], NULL, thread_launches, &jobs[i]) != 0) die("pthread_create");
  }
  int sealed = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    sealed += jobs[i].sealed;
  }
  check(sealed == THREADS * PER_THREAD, "%s: %d launches from %d threads at once, %d sealed", name,
        THREADS * PER_THREAD, THREADS, sealed);
  check(no_zombie() && count_open_fds() == before, "%s: after the threads, no zombie and no fd leaked", name);
}

/* Every mutant on a missing program: the error crosses, the child is reaped. */
static void test_mutant_failures(void) {
  for (int i = 0; fda_variant_name(i) != NULL; i++) {
    const char *name = fda_variant_name(i);
    if (strncmp(name, "mutant:", 7) != 0 || !selected(name)) continue;
    int before = count_open_fds();
    struct request bad = base_request();
    bad.file = "/nonexistent/fdaudit-no-such-program";
    struct outcome o = launch(fda_variant_by_name(name), &bad);
    check(o.rc == -1 && o.res.err == ENOENT && o.res.step == FDA_STEP_EXECVE && no_zombie() &&
              count_open_fds() == before,
          "%s: missing program fails with ENOENT at execve, reaped, no fd leaked (%s at %s)", name,
          strerror(o.res.err), fda_step_name(o.res.step));
  }
}

/* ------------------------------------------------------------------ main */

static void find_seen(const char *arg0) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = 0;
  } else if (realpath(arg0, self) == NULL) { /* no /proc: the path it was run by, made absolute */
    snprintf(self, sizeof self, "%s", arg0);
  }
  char *slash = strrchr(self, '/');
  if (slash) slash[1] = 0;
  else self[0] = 0;
  snprintf(seen_path, sizeof seen_path, "%sfdaudit-seen", self);
}

int main(int argc, char **argv) {
  find_seen(argv[0]);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seen") == 0 && i + 1 < argc) {
      /* Absolute, since some launches change the child's cwd before execve. */
      if (realpath(argv[++i], seen_path) == NULL) snprintf(seen_path, sizeof seen_path, "%s", argv[i]);
    }
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    else {
      fprintf(stderr, "usage: fdaudit-variants-test [--seen PATH] [--only NAME]\n");
      return 2;
    }
  }
  if (access(seen_path, X_OK) != 0) die(seen_path);
  if (only && fda_variant_by_name(only) == NULL) {
    fprintf(stderr, "fdaudit-variants-test: unknown variant '%s'\n", only);
    return 2;
  }
  setup();
  probe_kernel();
  note("kernel: close_range %s, /proc %s", have_close_range ? "works" : "refused", have_proc ? "mounted" : "hidden");
  note("seen: %s; soft limit %llu; baits low %d/%d, high %d, above %d, cloexec %d, keep %d", seen_path,
       (unsigned long long)get_soft(), env.lo[0], env.lo[1], env.hi, env.above, env.cloexec, env.keep);

  test_registry();
  test_harness_sees_leaks();
  test_sealing("fork", 1);
  test_forced_strategies("fork");
  test_fork_ignore();
  test_threads("fork");
  if (have_close_range || have_proc) {
    test_sealing("posix_spawn", 0);
    test_threads("posix_spawn");
    test_posix_spawn_limits();
  } else {
    test_posix_spawn_without_fallback();
  }
  test_naive_dup();
  test_fd_setsize_fallback();
  test_no_rlimit_reset();
  test_no_signal_reset();
  test_low_renumber();
  test_forgets_keep();
  test_leak_above_1023();
  test_rlimit_raised_if_parent();
  test_mutant_failures();

  check(launches > 0 && plans_rewritten == 0, "no variant rewrote the caller's stdio or keep array (F7), %d launches",
        launches);
  printf("# %d checks, %d failed\n", nchecks, nfailed);
  return nfailed ? 1 : 0;
}

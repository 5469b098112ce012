/*
 * Standalone test driver for the launcher core (no Node): fd plans, sealing
 * with every strategy at low and high numbers and above the soft limit,
 * rlimit, errors without zombies or parent fd leaks, many launches, and a
 * signal flood with a handler that records which process it ran in.
 *
 *   fdaudit-launch-test [FDLIST]      (default: fdaudit-fdlist next to itself)
 *
 * FDA_TEST_LAUNCHES=N sets the size of the many-launches check (default
 * 1000; the signal flood uses a third of it), for runs under slow fallbacks.
 *
 * Built plain and under -fsanitize=address,undefined. Prints one line per
 * check and "N passed, N failed"; exits 1 if any check failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

static int passed, failed;
/* What the running kernel (or the seccomp personality around this driver) allows. */
static int cr_ok, proc_ok, poll_ok, select_ok;
static char fdlist[PATH_MAX];
static char outpath[PATH_MAX];
extern char **environ;

#define CHECK(cond, ...)                                                                                   \
  do {                                                                                                     \
    if (cond) {                                                                                            \
      passed++;                                                                                            \
    } else {                                                                                               \
      failed++;                                                                                            \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                          \
      printf(__VA_ARGS__);                                                                                 \
      printf("\n");                                                                                        \
    }                                                                                                      \
  } while (0)

/* ---------------------------------------------------------------- helpers */

static void default_plan(struct fda_plan *p, const char *file, char *const *argv) {
  static const int std[3] = {0, 1, 2};
  memset(p, 0, sizeof *p);
  p->file = file;
  p->argv = argv;
  p->envp = environ;
  p->stdio = std;
  p->nstdio = 3;
  p->seal = 1;
  p->strategy = FDA_CLOSE_AUTO;
  p->rlimit_mode = FDA_RLIMIT_FD_SETSIZE;
  sigemptyset(&p->child_mask);
  sigemptyset(&p->child_ignore);
}

static int wait_exit(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1000;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static int count_fds(void) {
  int n = 0;
  for (int fd = 0; fd < 20000; fd++)
    if (fcntl(fd, F_GETFD) >= 0) n++;
  return n;
}

static int no_children(void) {
  return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

struct seen {
  int fds[256];
  int nfds;
  long soft, hard;
  unsigned long long blocked, ignored, handled;
  int pgid, pid;
};

static unsigned long long parse_sigs(const char *json, const char *key) {
  char pat[32];
  snprintf(pat, sizeof pat, "\"%s\":[", key);
  const char *p = strstr(json, pat);
  unsigned long long bits = 0;
  if (!p) return ~0ULL;
  p += strlen(pat);
  while (*p && *p != ']') {
    char *end;
    long s = strtol(p, &end, 10);
    if (end == p) break;
    bits |= 1ULL << (s - 1);
    p = *end == ',' ? end + 1 : end;
  }
  return bits;
}

static long parse_num(const char *json, const char *key) {
  char pat[32];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(json, pat);
  return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* Runs fdaudit-fdlist under `p` (file/argv replaced), writing to `out`; its exit code, -1 if not launched. */
static int run_fdlist(struct fda_plan *p, const char *out, struct fda_result *r) {
  char *argv[] = {fdlist, (char *)out, NULL};
  p->file = fdlist;
  p->argv = argv;
  int rc = fda_spawn(p, r);
  p->argv = NULL;
  if (rc != 0) return -1;
  return wait_exit(r->pid);
}

/* Parses what fdaudit-fdlist wrote to `path`. */
static int read_seen(const char *path, struct seen *s) {
  FILE *f = fopen(path, "r");
  if (!f) return -3;
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  memset(s, 0, sizeof *s);
  const char *q = buf;
  while ((q = strstr(q, "{\"fd\":")) && s->nfds < 256) {
    s->fds[s->nfds++] = (int)strtol(q + 6, NULL, 10);
    q += 6;
  }
  s->soft = parse_num(buf, "soft");
  s->hard = parse_num(buf, "hard");
  s->pid = (int)parse_num(buf, "pid");
  s->pgid = (int)parse_num(buf, "pgid");
  s->blocked = parse_sigs(buf, "blocked");
  s->ignored = parse_sigs(buf, "ignored");
  s->handled = parse_sigs(buf, "handled");
  return 0;
}

/* Runs fdaudit-fdlist under `p` (file/argv replaced) and parses what it saw. */
static int launch_fdlist(struct fda_plan *p, struct seen *s, struct fda_result *r) {
  unlink(outpath);
  int code = run_fdlist(p, outpath, r);
  if (code == -1) return -1;
  if (code != 0) return -2;
  return read_seen(outpath, s);
}

static int saw(const struct seen *s, int fd) {
  for (int i = 0; i < s->nfds; i++)
    if (s->fds[i] == fd) return 1;
  return 0;
}

static int saw_exactly_012(const struct seen *s) {
  return s->nfds == 3 && s->fds[0] == 0 && s->fds[1] == 1 && s->fds[2] == 2;
}

/* fd `fd` in the child is the same open file as `parent_fd` here (dev/ino). */
static int same_file(int child_fd, int parent_fd) {
  FILE *f = fopen(outpath, "r");
  if (!f) return 0;
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char pat[32];
  snprintf(pat, sizeof pat, "{\"fd\":%d,", child_fd);
  const char *p = strstr(buf, pat);
  if (!p) return 0;
  unsigned long long dev = strtoull(strstr(p, "\"dev\":") + 6, NULL, 10);
  unsigned long long ino = strtoull(strstr(p, "\"ino\":") + 6, NULL, 10);
  struct stat st;
  if (fstat(parent_fd, &st) != 0) return 0;
  return dev == (unsigned long long)st.st_dev && ino == (unsigned long long)st.st_ino;
}

/* ---------------------------------------------------------------- tests */

static void test_true(void) {
  struct fda_plan p;
  struct fda_result r;
  char *argv[] = {"true", NULL};
  default_plan(&p, "/bin/true", argv);
  int rc = fda_spawn(&p, &r);
  CHECK(rc == 0 && r.pid > 0, "spawn /bin/true: rc %d err %d", rc, r.err);
  CHECK(cr_ok ? r.strategy == FDA_CLOSE_RANGE : r.strategy != FDA_CLOSE_RANGE && r.strategy != FDA_CLOSE_NONE,
        "strategy %s", fda_strategy_name(r.strategy));
  CHECK(wait_exit(r.pid) == 0, "exit code of /bin/true");
}

static void test_sealing(void) {
  struct rlimit old;
  getrlimit(RLIMIT_NOFILE, &old);
  int base = open("/dev/null", O_RDONLY); /* not CLOEXEC: a leak unless sealed */
  int low = dup(base);
  int high = dup2(base, 1500);
  int top = -1;
  /* An O_PATH fd, not CLOEXEC: poll() calls it POLLNVAL as if it were closed; fcntl sees it. */
  int path_fd = open("/", O_PATH);
  int opath = dup2(path_fd, 1600);
  close(path_fd);
  if (old.rlim_max >= 2000) {
    /* Above the soft limit in force at launch: open near the hard limit, then lower the soft one. */
    struct rlimit raised = {old.rlim_max, old.rlim_max};
    setrlimit(RLIMIT_NOFILE, &raised);
    top = dup2(base, (int)old.rlim_max - 1);
    struct rlimit lowered = {1024, old.rlim_max};
    setrlimit(RLIMIT_NOFILE, &lowered);
  }
  struct pollfd probe = {opath, 0, 0};
  CHECK(opath == 1600 && (!poll_ok || (poll(&probe, 1, 0) == 1 && (probe.revents & POLLNVAL))) && fcntl(opath, F_GETFD) == 0,
        "an open O_PATH fd at 1600 is POLLNVAL to poll, open to fcntl (revents %x)", probe.revents);
  CHECK(low > 2 && high == 1500, "bait fds opened (%d, %d, %d)", low, high, top);
  int strategies[] = {FDA_CLOSE_AUTO, FDA_CLOSE_RANGE, FDA_CLOSE_PROC, FDA_CLOSE_POLL, FDA_CLOSE_LOOP};
  for (size_t i = 0; i < sizeof strategies / sizeof *strategies; i++) {
    struct fda_plan p;
    struct fda_result r;
    struct seen s;
    default_plan(&p, NULL, NULL);
    p.strategy = strategies[i];
    int rc = launch_fdlist(&p, &s, &r);
    const char *name = fda_strategy_name(strategies[i]);
    int can = strategies[i] == FDA_CLOSE_RANGE ? cr_ok
              : strategies[i] == FDA_CLOSE_PROC ? proc_ok
              : strategies[i] == FDA_CLOSE_POLL ? poll_ok
                                                : 1;
    if (!can) {
      /* A forced strategy the kernel refuses fails the launch; it never seals partly. */
      int step = strategies[i] == FDA_CLOSE_RANGE ? FDA_STEP_CLOSE_RANGE : FDA_STEP_CLOSE;
      CHECK(rc == -1 && r.step == step && no_children(), "forced %s refused: fails at %s (rc %d, step %s)", name,
            fda_step_name(step), rc, fda_step_name(r.step));
      continue;
    }
    CHECK(rc == 0, "launch with %s: rc %d err %d step %s", name, rc, r.err, fda_step_name(r.step));
    CHECK(saw_exactly_012(&s), "%s: child sees exactly 0 1 2, no O_PATH fd (saw %d fds, e.g. %d)", name, s.nfds,
          s.nfds > 3 ? s.fds[3] : -1);
    if (strategies[i] != FDA_CLOSE_AUTO)
      CHECK(r.strategy == strategies[i], "%s: reported %s", name, fda_strategy_name(r.strategy));
    else if (cr_ok)
      CHECK(r.strategy == FDA_CLOSE_RANGE, "auto: reported %s", fda_strategy_name(r.strategy));
    else
      CHECK(r.strategy != FDA_CLOSE_RANGE && r.strategy != FDA_CLOSE_NONE, "auto without close_range: reported %s",
            fda_strategy_name(r.strategy));
  }
  /* The control: seal off shows every bait. */
  struct fda_plan p;
  struct fda_result r;
  struct seen s;
  default_plan(&p, NULL, NULL);
  p.seal = 0;
  int rc = launch_fdlist(&p, &s, &r);
  CHECK(rc == 0 && saw(&s, low) && saw(&s, 1500) && saw(&s, 1600) && (top < 0 || saw(&s, top)),
        "seal off: child sees %d, 1500, the O_PATH 1600 and %d", low, top);
  CHECK(r.strategy == FDA_CLOSE_NONE, "seal off reports none");

  /* The fallback's bound: select(2) probing agrees with /proc's FDSize. */
  int exact;
  unsigned int bound = fda_fd_bound(&exact);
  unsigned int by_select = fda_fd_table_size_by_select();
  CHECK(by_select == 0 || by_select > (unsigned int)(top > 1500 ? top : 1500), "select table size %u covers the baits",
        by_select);
  CHECK(exact == (proc_ok || by_select > 0), "bound measured whenever /proc or select is there");
  CHECK(bound >= by_select, "bound %u >= table size %u", bound, by_select);

  if (top >= 0) close(top);
  close(opath);
  close(high);
  close(low);
  close(base);
  setrlimit(RLIMIT_NOFILE, &old);
}

static int highest_open_fd(void) {
  int exact;
  for (int fd = (int)fda_fd_bound(&exact) - 1; fd >= 0; fd--)
    if (fcntl(fd, F_GETFD) >= 0) return fd;
  return -1;
}

/*
 * The number-walking seals cover the child's own fd table, which the kernel
 * sized for its highest open fd: not the hard limit (20000 here, 1073741816
 * in some containers), not the parent's table. Only with neither select nor
 * /proc is the bound nr_open, the last resort.
 */
static void test_bound(void) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  int measured = select_ok || proc_ok;
  int strategies[] = {FDA_CLOSE_POLL, FDA_CLOSE_LOOP};
  int path_fd = open("/", O_PATH);
  for (int round = 0; round < 2; round++) {
    /* Round 1: an O_PATH fd at 1600 is the highest: the table, and the bound, must grow to cover it. */
    int extra = round == 1 ? dup2(path_fd, 1600) : -1;
    int highest = highest_open_fd();
    for (size_t i = 0; i < 2; i++) {
      if (strategies[i] == FDA_CLOSE_POLL && !poll_ok) continue;
      struct fda_plan p;
      struct fda_result r;
      char *argv[] = {"true", NULL};
      default_plan(&p, "/bin/true", argv);
      p.strategy = strategies[i];
      int rc = fda_spawn(&p, &r);
      CHECK(rc == 0 && wait_exit(r.pid) == 0, "%s with highest fd %d: launched (rc %d)", fda_strategy_name(p.strategy),
            highest, rc);
      unsigned int cap = (unsigned int)(highest + 1) * 2 > 1024 ? (unsigned int)(highest + 1) * 2 : 1024;
      if (measured)
        CHECK(r.fd_bound > (unsigned int)highest && r.fd_bound <= cap,
              "%s: the child swept below %u, its own table (highest fd %d; hard limit %llu not used)",
              fda_strategy_name(p.strategy), r.fd_bound, highest, (unsigned long long)rl.rlim_max);
      else
        CHECK(r.fd_bound == fda_fd_nr_open(), "%s without select and /proc: nr_open bound %u (got %u)",
              fda_strategy_name(p.strategy), fda_fd_nr_open(), r.fd_bound);
    }
    if (extra >= 0) close(extra);
  }
  close(path_fd);

  /* A soft limit below the poll batch: poll refuses the batch (EINVAL) and the child halves it, without reading the limit. */
  if (poll_ok) {
    int base = open("/dev/null", O_RDONLY);
    int bait_low = fcntl(base, F_DUPFD, 90), bait_high = dup2(base, 1500);
    struct rlimit low = {100, rl.rlim_max};
    setrlimit(RLIMIT_NOFILE, &low);
    struct fda_plan p;
    struct fda_result r;
    struct seen s;
    default_plan(&p, NULL, NULL);
    p.strategy = FDA_CLOSE_POLL;
    int rc = launch_fdlist(&p, &s, &r);
    setrlimit(RLIMIT_NOFILE, &rl);
    CHECK(rc == 0 && r.strategy == FDA_CLOSE_POLL && saw_exactly_012(&s) && bait_low >= 90 && bait_high == 1500,
          "poll with a soft limit of 100: batches shrink, fds at %d and 1500 closed (rc %d, %d fds)", bait_low, rc, s.nfds);
    close(bait_low);
    close(bait_high);
    close(base);
  }
}

static void test_plans(void) {
  int pfd[2];
  if (pipe(pfd) != 0) return;
  struct fda_plan p;
  struct fda_result r;
  struct seen s;

  /* Swap: slot 0 gets 2, slot 2 gets 0. */
  int swap[3] = {2, 1, 0};
  int swap_copy[3] = {2, 1, 0};
  default_plan(&p, NULL, NULL);
  p.stdio = swap;
  CHECK(launch_fdlist(&p, &s, &r) == 0 && saw_exactly_012(&s), "plan [2,1,0] runs");
  CHECK(same_file(0, 2) && same_file(2, 0), "plan [2,1,0]: slots swapped");
  CHECK(memcmp(swap, swap_copy, sizeof swap) == 0, "caller's stdio array unchanged (F7)");

  /* Stdin closed in the parent, plan [-1, X, 2] where X took number 0. */
  int saved0 = fcntl(0, F_DUPFD_CLOEXEC, 10);
  close(0);
  int x = dup(pfd[1]); /* lowest free: 0 */
  int plan[3] = {-1, x, 2};
  default_plan(&p, NULL, NULL);
  p.stdio = plan;
  int rc = launch_fdlist(&p, &s, &r);
  CHECK(x == 0, "the pipe took fd 0");
  CHECK(rc == 0 && s.nfds == 2 && s.fds[0] == 1 && s.fds[1] == 2, "plan [-1, 0, 2]: child has 1 and 2 only (rc %d)",
        rc);
  CHECK(same_file(1, pfd[1]), "plan [-1, 0, 2]: slot 1 is the pipe");
  close(x);
  dup2(saved0, 0);
  close(saved0);

  /* One source in several slots, and a keep list with gaps including a CLOEXEC fd. */
  int k1 = fcntl(pfd[0], F_DUPFD, 40);
  int k2 = fcntl(pfd[0], F_DUPFD_CLOEXEC, 70);
  int many[4] = {0, pfd[1], pfd[1], pfd[1]};
  int keep[3] = {k2, k1, k2};
  default_plan(&p, NULL, NULL);
  p.stdio = many;
  p.nstdio = 4;
  p.keep = keep;
  p.nkeep = 3;
  rc = launch_fdlist(&p, &s, &r);
  CHECK(rc == 0 && s.nfds == 6 && saw(&s, 3) && saw(&s, k1) && saw(&s, k2), "fan-out + keep: 0..3, %d, %d (saw %d)",
        k1, k2, s.nfds);
  CHECK(same_file(1, pfd[1]) && same_file(2, pfd[1]) && same_file(3, pfd[1]), "one source in three slots");
  CHECK(same_file(k2, pfd[0]), "CLOEXEC keep fd crossed");
  CHECK(keep[0] == k2 && keep[1] == k1 && keep[2] == k2, "caller's keep array unchanged (F7)");

  /* A CLOEXEC source mapped into its own slot: dup2 onto itself would keep CLOEXEC. */
  int saved2 = fcntl(2, F_DUPFD_CLOEXEC, 10);
  fcntl(2, F_SETFD, FD_CLOEXEC);
  default_plan(&p, NULL, NULL);
  rc = launch_fdlist(&p, &s, &r);
  CHECK(rc == 0 && saw_exactly_012(&s), "CLOEXEC fd 2 in its own slot crosses");
  dup2(saved2, 2);
  close(saved2);
  close(k1);
  close(k2);
  close(pfd[0]);
  close(pfd[1]);
}

static void test_rlimit(void) {
  struct fda_plan p;
  struct fda_result r;
  struct seen s;
  struct rlimit old;
  getrlimit(RLIMIT_NOFILE, &old);
  struct rlimit hi = {old.rlim_max, old.rlim_max};
  setrlimit(RLIMIT_NOFILE, &hi);
  default_plan(&p, NULL, NULL);
  CHECK(launch_fdlist(&p, &s, &r) == 0 && s.soft == (old.rlim_max > 1024 ? 1024 : (long)old.rlim_max),
        "fd-setsize lowers the soft limit to 1024 (got %ld)", s.soft);
  p.rlimit_mode = FDA_RLIMIT_INHERIT;
  CHECK(launch_fdlist(&p, &s, &r) == 0 && s.soft == (long)old.rlim_max, "inherit keeps %ld", s.soft);
  p.rlimit_mode = FDA_RLIMIT_EXPLICIT;
  p.rlimit_soft = 100;
  p.rlimit_hard = 500;
  p.rlimit_set_hard = 1;
  CHECK(launch_fdlist(&p, &s, &r) == 0 && s.soft == 100 && s.hard == 500, "explicit 100/500 (got %ld/%ld)", s.soft,
        s.hard);
  setrlimit(RLIMIT_NOFILE, &old);
}

static void test_errors(void) {
  int before = count_fds();
  struct fda_plan p;
  struct fda_result r;
  char *argv[] = {"x", NULL};
  default_plan(&p, "/nonexistent/program", argv);
  CHECK(fda_spawn(&p, &r) == -1 && r.err == ENOENT && r.step == FDA_STEP_EXECVE, "ENOENT at execve (err %d step %s)",
        r.err, fda_step_name(r.step));
  default_plan(&p, "/tmp", argv);
  CHECK(fda_spawn(&p, &r) == -1 && r.err == EACCES && r.step == FDA_STEP_EXECVE, "EACCES for a directory");
  default_plan(&p, "/bin/true", argv);
  p.cwd = "/nonexistent";
  CHECK(fda_spawn(&p, &r) == -1 && r.err == ENOENT && r.step == FDA_STEP_CHDIR, "bad cwd fails at chdir");
  int bad[3] = {0, 999, 2};
  default_plan(&p, "/bin/true", argv);
  p.stdio = bad;
  CHECK(fda_spawn(&p, &r) == -1 && r.err == EBADF && r.step == FDA_STEP_DUP2, "stdio fd not open: EBADF at dup2 (%s)",
        fda_step_name(r.step));
  default_plan(&p, "/bin/true", argv);
  p.strategy = 99;
  CHECK(fda_spawn(&p, &r) == -1 && r.err == EINVAL && r.pid == 0, "bad plan refused before any child");
  CHECK(no_children(), "no zombie after failed launches");
  CHECK(count_fds() == before, "parent fd count unchanged (%d -> %d)", before, count_fds());
}

/*
 * Every fd number below the soft limit open in the parent: every strategy
 * launches an identity plan ([0, 1, 2]) without needing a free number; a
 * plan that moves sources makes room by closing an fd the seal closes
 * anyway, and without a seal fails with EMFILE at fcntl. A pidfd cannot be
 * had (no free number): the launch goes on without one.
 */
static void test_full_table(void) {
  struct rlimit old;
  getrlimit(RLIMIT_NOFILE, &old);
  struct rlimit lim = {1100, old.rlim_max};
  if (old.rlim_max < 1100) lim.rlim_cur = old.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  int before = count_fds();
  int base = open("/dev/null", O_RDONLY);
  static int fillers[1100];
  int nfill = 0;
  for (;;) {
    int fd = fcntl(base, F_DUPFD, 0);
    if (fd < 0) break;
    fillers[nfill++] = fd;
  }
  int full_err = errno;
  int strategies[] = {FDA_CLOSE_AUTO, FDA_CLOSE_RANGE, FDA_CLOSE_PROC, FDA_CLOSE_POLL, FDA_CLOSE_LOOP};
  int can[] = {1, cr_ok, proc_ok, poll_ok, 1};
  int rcs[5], codes[5];
  char outs[5][PATH_MAX];
  for (int i = 0; i < 5; i++) {
    snprintf(outs[i], sizeof outs[i], "%.4000s.full%d", outpath, i);
    rcs[i] = codes[i] = -99;
    if (!can[i]) continue;
    struct fda_plan p;
    struct fda_result r;
    default_plan(&p, NULL, NULL);
    p.strategy = strategies[i];
    codes[i] = run_fdlist(&p, outs[i], &r);
    rcs[i] = codes[i] == -1 ? r.err : 0;
  }
  /* A plan that moves its sources: [2, 1, 0]. */
  int swap[3] = {2, 1, 0};
  struct fda_plan p;
  struct fda_result r, r_unsealed, r_pidfd;
  const char *moved_out = outpath; /* same_file reads it */
  default_plan(&p, NULL, NULL);
  p.stdio = swap;
  p.strategy = poll_ok ? FDA_CLOSE_POLL : FDA_CLOSE_LOOP;
  int moved_code = run_fdlist(&p, moved_out, &r);
  char *argv[] = {"true", NULL};
  default_plan(&p, "/bin/true", argv);
  p.stdio = swap;
  p.seal = 0;
  int unsealed_rc = fda_spawn(&p, &r_unsealed);
  default_plan(&p, "/bin/true", argv);
  p.want_pidfd = 1;
  int pidfd_rc = fda_spawn(&p, &r_pidfd);
  int pidfd_code = pidfd_rc == 0 ? wait_exit(r_pidfd.pid) : -1;
  for (int i = 0; i < nfill; i++) close(fillers[i]);
  close(base);
  setrlimit(RLIMIT_NOFILE, &old);

  CHECK(nfill > 1000 && full_err == EMFILE, "every number below the soft limit taken (%d fillers, errno %d)", nfill,
        full_err);
  for (int i = 0; i < 5; i++) {
    if (!can[i]) continue;
    struct seen s;
    int read = read_seen(outs[i], &s);
    CHECK(codes[i] == 0 && read == 0 && saw_exactly_012(&s), "full table, %s: launched, child sees 0 1 2 (exit %d, err %d)",
          fda_strategy_name(strategies[i]), codes[i], rcs[i]);
    unlink(outs[i]);
  }
  struct seen s;
  CHECK(moved_code == 0 && read_seen(moved_out, &s) == 0 && saw_exactly_012(&s) && same_file(0, 2) && same_file(2, 0),
        "full table, plan [2,1,0] sealed: room made, slots swapped (exit %d)", moved_code);
  unlink(moved_out);
  CHECK(unsealed_rc == -1 && r_unsealed.err == EMFILE && r_unsealed.step == FDA_STEP_FCNTL,
        "full table, plan [2,1,0] unsealed: EMFILE at fcntl (rc %d, err %d, step %s)", unsealed_rc, r_unsealed.err,
        fda_step_name(r_unsealed.step));
  CHECK(pidfd_rc == 0 && pidfd_code == 0 && r_pidfd.pidfd == -1, "full table, pidfd asked: launched without one (rc %d, pidfd %d)",
        pidfd_rc, r_pidfd.pidfd);
  CHECK(no_children() && count_fds() == before, "full table: no zombie, fd count back to %d (%d)", before, count_fds());
}

/*
 * Kept fds with a non-CLOEXEC stray right below and right above each: a
 * seal that is off by one at either edge of a gap leaks one of them.
 */
static void test_strays_around_keep(void) {
  struct rlimit old;
  getrlimit(RLIMIT_NOFILE, &old);
  struct rlimit up = {old.rlim_max < 4096 ? old.rlim_max : 4096, old.rlim_max};
  setrlimit(RLIMIT_NOFILE, &up);
  int base = open("/dev/null", O_RDONLY);
  int keep[] = {4, 100, 101 + 2, 1500, 3000};
  int nkeep = (int)(sizeof keep / sizeof keep[0]);
  int opened[32], nopened = 0;
  for (int i = 0; i < nkeep; i++) {
    for (int d = -1; d <= 1; d++) {
      int fd = keep[i] + d;
      if (fd < 3 || fcntl(fd, F_GETFD) >= 0) continue;
      if (dup2(base, fd) == fd) opened[nopened++] = fd;
    }
  }
  int strategies[] = {FDA_CLOSE_AUTO, FDA_CLOSE_RANGE, FDA_CLOSE_PROC, FDA_CLOSE_POLL, FDA_CLOSE_LOOP};
  int can[] = {1, cr_ok, proc_ok, poll_ok, 1};
  for (int i = 0; i < 5; i++) {
    if (!can[i]) continue;
    struct fda_plan p;
    struct fda_result r;
    struct seen s;
    default_plan(&p, NULL, NULL);
    p.strategy = strategies[i];
    p.keep = keep;
    p.nkeep = nkeep;
    int rc = launch_fdlist(&p, &s, &r);
    int exact = rc == 0 && s.nfds == 3 + nkeep && saw(&s, 0) && saw(&s, 1) && saw(&s, 2);
    for (int k = 0; k < nkeep; k++) exact = exact && saw(&s, keep[k]);
    CHECK(exact, "%s: strays at k-1 and k+1 of every keep fd closed, keep fds crossed (rc %d, %d fds)",
          fda_strategy_name(strategies[i]), rc, s.nfds);
  }
  struct fda_plan p;
  struct fda_result r;
  struct seen s;
  default_plan(&p, NULL, NULL);
  p.keep = keep;
  p.nkeep = nkeep;
  p.seal = 0;
  int rc = launch_fdlist(&p, &s, &r);
  int all = rc == 0;
  for (int k = 0; k < nopened; k++) all = all && saw(&s, opened[k]);
  CHECK(all && nopened >= 9, "control, seal off: every stray (%d) crosses", nopened);
  for (int k = 0; k < nopened; k++) close(opened[k]);
  close(base);
  setrlimit(RLIMIT_NOFILE, &old);
}

/*
 * Exec failure with fds 0, 1 and 2 closed in the parent: a LaunchError, no
 * zombie, nothing left open (the pidfd the clone makes lands at 0 here, and
 * must be closed with the failure).
 */
static void test_closed_stdio(void) {
  int saved[3];
  for (int i = 0; i < 3; i++) saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 50);
  int before = count_fds();
  for (int i = 0; i < 3; i++) close(i);
  char *argv[] = {"x", NULL};
  struct fda_plan p;
  struct fda_result r1, r2, r3;
  int none[3] = {-1, -1, -1};
  default_plan(&p, "/nonexistent/program", argv);
  p.stdio = none;
  p.want_pidfd = 1;
  int rc1 = fda_spawn(&p, &r1);
  int open0 = fcntl(0, F_GETFD) >= 0;
  default_plan(&p, "/nonexistent/program", argv); /* [0, 1, 2], none open */
  int rc2 = fda_spawn(&p, &r2);
  default_plan(&p, "/bin/true", argv);
  p.stdio = none;
  p.want_pidfd = 1;
  int rc3 = fda_spawn(&p, &r3);
  int code3 = rc3 == 0 ? wait_exit(r3.pid) : -1;
  if (rc3 == 0 && r3.pidfd >= 0) close(r3.pidfd);
  int after = count_fds();
  for (int i = 0; i < 3; i++) {
    dup2(saved[i], i);
    close(saved[i]);
  }
  CHECK(rc1 == -1 && r1.err == ENOENT && r1.step == FDA_STEP_EXECVE && r1.pidfd == -1,
        "fds 0-2 closed, missing program: ENOENT at execve (err %d, step %s)", r1.err, fda_step_name(r1.step));
  CHECK(!open0, "fds 0-2 closed: no pidfd left at fd 0 after the failure");
  CHECK(rc2 == -1 && r2.err == EBADF && r2.step == FDA_STEP_FCNTL,
        "fds 0-2 closed, plan [0,1,2]: EBADF at fcntl (err %d, step %s)", r2.err, fda_step_name(r2.step));
  CHECK(rc3 == 0 && code3 == 0, "control: the same parent launches /bin/true (rc %d, exit %d)", rc3, code3);
  CHECK(no_children() && after == before - 3, "no zombie, nothing left open (%d fds, expected %d)", after, before - 3);
}

#if defined(__x86_64__) || defined(__aarch64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#if defined(__x86_64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#else
#define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* Kills the process that calls `nr` (prlimit64: only to set a limit). Installed in a forked helper. */
static int kill_on(long nr) {
  int only_set = nr == SYS_prlimit64;
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])), /* low word: little-endian */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, only_set, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof f / sizeof *f, f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/*
 * A child that dies before execve (here a seccomp kill on a call only the
 * child makes) is a failed launch with the step it was in and the signal,
 * reaped, in every strategy; with SIGCHLD ignored too. The control: the same
 * launch without the fatal call runs the program.
 */
static void test_killed_before_exec(void) {
  for (int which = 0; which < 2; which++) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      failed = 0; /* this helper's own checks only */
      struct rlimit rl;
      getrlimit(RLIMIT_NOFILE, &rl);
      rl.rlim_cur = rl.rlim_max; /* so that the child must lower it */
      setrlimit(RLIMIT_NOFILE, &rl);
      int before = count_fds();
      if (kill_on(which == 0 ? SYS_prlimit64 : SYS_dup3) != 0) _exit(3);
      int strategies[] = {FDA_CLOSE_AUTO, FDA_CLOSE_RANGE, FDA_CLOSE_PROC, FDA_CLOSE_POLL, FDA_CLOSE_LOOP};
      int can[] = {1, cr_ok, proc_ok, poll_ok, 1};
      int one[3] = {1, 1, 2}; /* slot 0 from fd 1: a dup3 */
      char *argv[] = {"true", NULL};
      for (int ign = 0; ign < 2; ign++) {
        if (ign) signal(SIGCHLD, SIG_IGN);
        for (int i = 0; i < 5; i++) {
          if (!can[i]) continue;
          struct fda_plan p;
          struct fda_result r;
          default_plan(&p, "/bin/true", argv);
          p.strategy = strategies[i];
          p.want_pidfd = 1;
          if (which == 1) p.stdio = one;
          int rc = fda_spawn(&p, &r);
          int step = which == 0 ? FDA_STEP_SETRLIMIT : FDA_STEP_DUP2;
          CHECK(rc == -1 && r.signal == SIGSYS && r.err == 0 && r.step == step && r.pid > 0 && r.pidfd == -1,
                "%s%s, killed at %s: rc %d signal %d err %d step %s", fda_strategy_name(strategies[i]),
                ign ? " (SIGCHLD ignored)" : "", which == 0 ? "prlimit64" : "dup3", rc, r.signal, r.err,
                fda_step_name(r.step));
          CHECK(no_children() && count_fds() == before, "%s: reaped, no fd left", fda_strategy_name(strategies[i]));
          /* The control: the fatal call left out, the same launch runs /bin/true. */
          default_plan(&p, "/bin/true", argv);
          p.strategy = strategies[i];
          if (which == 0) p.rlimit_mode = FDA_RLIMIT_INHERIT;
          rc = fda_spawn(&p, &r);
          int code = rc == 0 ? wait_exit(r.pid) : -1000;
          CHECK(rc == 0 && (code == 0 || (ign && code == -1000)), "control %s without %s: runs (rc %d, exit %d)",
                fda_strategy_name(strategies[i]), which == 0 ? "setrlimit" : "a dup3", rc, code);
        }
      }
      fflush(stdout);
      _exit(failed ? 1 : 0);
    }
    int code = wait_exit(pid);
    CHECK(code == 0, "death before execve (seccomp kill of %s) reported in every strategy: exit %d",
          which == 0 ? "prlimit64" : "dup3", code);
  }
}
#else
static void test_killed_before_exec(void) {}
#endif

/*
 * Where close_range works the child starts on the parent's own fd table and
 * unshares it first: the parent's table must come out exactly as it went
 * in (every fd open, every CLOEXEC flag as it was), and the child must still
 * get every source and keep fd the plan names, however high, and nothing
 * else.
 */
#define PARENT_SNAPSHOT 4200
static int parent_flags[PARENT_SNAPSHOT];

static void snapshot_parent(int *flags) {
  for (int fd = 0; fd < PARENT_SNAPSHOT; fd++) flags[fd] = fcntl(fd, F_GETFD);
}

static int parent_unchanged(void) {
  for (int fd = 0; fd < PARENT_SNAPSHOT; fd++)
    if (fcntl(fd, F_GETFD) != parent_flags[fd]) return fd;
  return -1;
}

static void test_parent_table(void) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < PARENT_SNAPSHOT) {
    struct rlimit up = {rl.rlim_max < PARENT_SNAPSHOT ? rl.rlim_max : PARENT_SNAPSHOT, rl.rlim_max};
    setrlimit(RLIMIT_NOFILE, &up);
  }
  int base = open("/dev/null", O_RDONLY);
  int spread[40];
  for (int i = 0; i < 40; i++) spread[i] = fcntl(base, i % 3 ? F_DUPFD : F_DUPFD_CLOEXEC, 200 + i * 37);
  int pfd[2];
  if (pipe(pfd) != 0) return;
  int src = fcntl(pfd[1], F_DUPFD, 3000);        /* a stdio source far above the slots */
  int kept = fcntl(pfd[0], F_DUPFD_CLOEXEC, 4000); /* a CLOEXEC keep fd above everything else */
  CHECK(src == 3000 && kept == 4000, "high fds opened (%d, %d)", src, kept);
  snapshot_parent(parent_flags);

  struct fda_plan p;
  struct fda_result r;
  struct seen s;
  int plan[3] = {0, src, 2};
  default_plan(&p, NULL, NULL);
  p.stdio = plan;
  p.keep = &kept;
  p.nkeep = 1;
  int rc = launch_fdlist(&p, &s, &r);
  CHECK(rc == 0 && s.nfds == 4 && saw(&s, 0) && saw(&s, 1) && saw(&s, 2) && saw(&s, kept),
        "high source and keep: child sees 0 1 2 %d only (rc %d, %d fds)", kept, rc, s.nfds);
  CHECK(same_file(1, pfd[1]) && same_file(kept, pfd[0]), "slot 1 is the high source, %d the kept pipe end", kept);
  int fd = parent_unchanged();
  CHECK(fd < 0, "parent fd table unchanged after a launch with a high source and keep fd (fd %d differs)", fd);

  /* The highest fd in a slot of its own, and a slot closed. */
  int own[4] = {src, -1, src, src};
  default_plan(&p, NULL, NULL);
  p.stdio = own;
  p.nstdio = 4;
  rc = launch_fdlist(&p, &s, &r);
  CHECK(rc == 0 && s.nfds == 3 && saw(&s, 0) && saw(&s, 2) && saw(&s, 3) && same_file(3, pfd[1]),
        "plan [%d, -1, %d, %d]: child sees 0 2 3 only (rc %d, %d fds)", src, src, src, rc, s.nfds);
  fd = parent_unchanged();
  CHECK(fd < 0, "parent fd table unchanged after a plan that closes a slot (fd %d differs)", fd);

  /* A failing launch leaves the parent's table alone too. */
  int bad[3] = {0, 2999, 2};
  char *argv[] = {"true", NULL};
  default_plan(&p, "/bin/true", argv);
  p.stdio = bad;
  CHECK(fda_spawn(&p, &r) == -1 && r.err == EBADF, "a source that is not open fails (err %d)", r.err);
  fd = parent_unchanged();
  CHECK(fd < 0 && no_children(), "parent fd table unchanged and no zombie after a failed launch (fd %d differs)", fd);

  /* The control: the check above can see a change. */
  fcntl(spread[1], F_SETFD, FD_CLOEXEC);
  CHECK(parent_unchanged() == spread[1], "control: a changed CLOEXEC flag is seen");

  for (int i = 0; i < 40; i++) close(spread[i]);
  close(src);
  close(kept);
  close(pfd[0]);
  close(pfd[1]);
  close(base);
  setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * A seccomp profile that refuses close_range's UNSHARE flag (and, with
 * `also_unshare`, unshare(2)) while allowing plain close_range: the child
 * that started on the parent's table must take unshare(CLONE_FILES), or
 * leave everything alone so that the parent launches again with vfork.
 * Runs in a forked process: a seccomp filter cannot be removed.
 */
#if defined(__x86_64__) || defined(__aarch64__)
static int refuse_unshare(int also_unshare) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, also_unshare ? SECCOMP_RET_ERRNO | EPERM : SECCOMP_RET_ALLOW),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 436 /* close_range */, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])), /* low word: little-endian */
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 2 /* CLOSE_RANGE_UNSHARE */, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof f / sizeof *f, f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void test_unshare_refused(void) {
  if (!cr_ok) return; /* the child never starts on the parent's table then */
  for (int also = 0; also <= 1; also++) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      failed = 0; /* this helper's own checks only */
      if (refuse_unshare(also) != 0) _exit(3);
      CHECK(syscall(436, ~0U, ~0U, 2U) != 0 && errno == EPERM, "the filter refuses CLOSE_RANGE_UNSHARE");
      CHECK(also ? syscall(SYS_unshare, 0x400) != 0 : 1, "the filter refuses unshare(CLONE_FILES)");
      int base = open("/dev/null", O_RDONLY);
      int bait = fcntl(base, F_DUPFD, 1500);
      snapshot_parent(parent_flags);
      for (int round = 0; round < 3; round++) {
        struct fda_plan p;
        struct fda_result r;
        struct seen s;
        default_plan(&p, NULL, NULL);
        int rc = launch_fdlist(&p, &s, &r);
        CHECK(rc == 0 && saw_exactly_012(&s) && r.strategy == FDA_CLOSE_RANGE,
              "unshare%s refused, launch %d: seals with close_range, child sees 0 1 2 only (rc %d err %d step %s, %d fds)",
              also ? " and close_range UNSHARE" : " flag", round, rc, r.err, fda_step_name(r.step), s.nfds);
        int fd = parent_unchanged();
        CHECK(fd < 0 && no_children(), "launch %d: parent fd table unchanged (fd %d), no zombie", round, fd);
      }
      close(bait);
      close(base);
      fflush(stdout);
      _exit(failed ? 1 : 0);
    }
    int code = wait_exit(pid);
    CHECK(code == 0, "fallbacks when the fd table cannot be unshared cheaply (%s refused): exit %d",
          also ? "close_range UNSHARE and unshare" : "close_range UNSHARE", code);
  }
}
#else
static void test_unshare_refused(void) {}
#endif

static int many_launches = 1000;

static void test_many(void) {
  int before = count_fds();
  struct fda_plan p;
  struct fda_result r;
  char *argv[] = {"true", NULL};
  int ok = 0;
  for (int i = 0; i < many_launches; i++) {
    default_plan(&p, "/bin/true", argv);
    if (fda_spawn(&p, &r) == 0 && wait_exit(r.pid) == 0) ok++;
  }
  CHECK(ok == many_launches, "%d launches exit 0 (%d)", many_launches, ok);
  CHECK(no_children() && count_fds() == before, "no zombies, fd count unchanged");
}

/*
 * The handler records the pid it ran in; a vfork child has a pid of its own
 * and shares these counters. The flood goes to the whole process group, as
 * a terminal's SIGINT or SIGWINCH would, so it reaches children between vfork
 * and execve too; SIGWINCH and SIGURG are ignored by default, so children
 * that have exec'd are not hurt by it.
 */
static pid_t parent_pid;
static atomic_int in_parent, in_other;
static atomic_int flooding;

static void on_flood(int sig) {
  (void)sig;
  if (getpid() == parent_pid) atomic_fetch_add(&in_parent, 1);
  else atomic_fetch_add(&in_other, 1);
}

static void *flood(void *arg) {
  (void)arg;
  while (atomic_load(&flooding)) {
    kill(0, SIGWINCH);
    kill(0, SIGURG);
    kill(parent_pid, SIGUSR1);
  }
  return NULL;
}

static void test_signals(void) {
  parent_pid = getpid();
  /* A group of our own, so the group-wide flood stays among this driver and its children. */
  setpgid(0, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_flood;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGWINCH, &sa, NULL);
  sigaction(SIGURG, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  /* The parent thread blocks SIGTERM; the child must not inherit that. */
  sigset_t term, oldmask;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &oldmask);

  atomic_store(&flooding, 1);
  pthread_t t;
  pthread_create(&t, NULL, flood, NULL);
  struct fda_plan p;
  struct fda_result r;
  char *argv[] = {"true", NULL};
  int ok = 0;
  for (int i = 0; i < many_launches / 3; i++) {
    default_plan(&p, "/bin/true", argv);
    if (fda_spawn(&p, &r) == 0 && wait_exit(r.pid) == 0) ok++;
  }
  struct seen s;
  default_plan(&p, NULL, NULL);
  sigaddset(&p.child_mask, SIGUSR2);
  fda_sigset_add(&p.child_ignore, SIGHUP);
  int rc = launch_fdlist(&p, &s, &r);
  atomic_store(&flooding, 0);
  pthread_join(t, NULL);
  CHECK(ok == many_launches / 3, "%d launches under a signal flood (%d)", many_launches / 3, ok);
  CHECK(atomic_load(&in_parent) > 0, "the flood reached the handler in the parent (%d)", atomic_load(&in_parent));
  CHECK(atomic_load(&in_other) == 0, "the handler never ran in a child (%d)", atomic_load(&in_other));
  CHECK(rc == 0 && s.handled == 0, "child has no handlers (%llx)", s.handled);
  CHECK(s.blocked == 1ULL << (SIGUSR2 - 1), "child mask is exactly SIGUSR2 (%llx)", s.blocked);
  CHECK(s.ignored == 1ULL << (SIGHUP - 1), "child ignores exactly SIGHUP (%llx)", s.ignored);
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  CHECK(sigismember(&now, SIGTERM) && !sigismember(&now, SIGUSR1), "parent mask restored");
  pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
  signal(SIGUSR1, SIG_DFL);
  signal(SIGWINCH, SIG_DFL);
  signal(SIGURG, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
}

static void test_pgid(void) {
  struct fda_plan p;
  struct fda_result r;
  struct seen s;
  default_plan(&p, NULL, NULL);
  p.setpgid = 1;
  CHECK(launch_fdlist(&p, &s, &r) == 0 && s.pgid == s.pid && s.pgid != getpgid(0), "setpgid: own group");
}

int main(int argc, char **argv) {
  if (argc > 1) {
    snprintf(fdlist, sizeof fdlist, "%s", argv[1]);
  } else {
    /* Next to this executable (argv[0] rather than /proc/self/exe: /proc may be hidden). */
    snprintf(fdlist, sizeof fdlist, "%s", argv[0]);
    char *slash = strrchr(fdlist, '/');
    if (!slash) return 2;
    snprintf(slash + 1, sizeof fdlist - (size_t)(slash + 1 - fdlist), "fdaudit-fdlist");
  }
  const char *n = getenv("FDA_TEST_LAUNCHES");
  if (n && atoi(n) > 0) many_launches = atoi(n);
  cr_ok = syscall(436, ~0U, ~0U, 0) == 0;
  char dbuf[256];
  int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  proc_ok = dfd >= 0 && syscall(SYS_getdents64, dfd, dbuf, sizeof dbuf) > 0;
  if (dfd >= 0) close(dfd);
  poll_ok = poll(NULL, 0, 0) == 0;
  select_ok = fda_fd_table_size_by_select() > 0;
  printf("kernel allows: close_range %d, /proc walk %d, poll %d\n", cr_ok, proc_ok, poll_ok);
  snprintf(outpath, sizeof outpath, "/tmp/fdaudit-launch-test-%d.json", (int)getpid());
  static const struct {
    const char *name;
    void (*fn)(void);
  } tests[] = {{"true", test_true},     {"sealing", test_sealing}, {"plans", test_plans},
               {"rlimit", test_rlimit}, {"errors", test_errors},   {"many", test_many},
               {"signals", test_signals}, {"pgid", test_pgid},   {"table", test_parent_table},
               {"unshare", test_unshare_refused}, {"bound", test_bound}, {"full", test_full_table},
               {"strays", test_strays_around_keep}, {"stdio", test_closed_stdio},
               {"killed", test_killed_before_exec}};
  /* FDA_TEST_ONLY=name,name: only those (where every launch is slow, as with the nr_open bound). */
  const char *only = getenv("FDA_TEST_ONLY");
  for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
    if (only && *only) {
      size_t len = strlen(tests[i].name);
      const char *at = only;
      int selected = 0;
      while (!selected && (at = strstr(at, tests[i].name)) != NULL) {
        selected = (at == only || at[-1] == ',') && (at[len] == '\0' || at[len] == ',');
        at += len;
      }
      if (!selected) continue;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tests[i].fn();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%-8s done in %.0f ms\n", tests[i].name,
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
  }
  unlink(outpath);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

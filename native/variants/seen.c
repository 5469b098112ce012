/*
 * fdaudit-seen: what a launched program inherited, one fact per line, for the
 * variants' test driver (the full probe lives in native/probe; this one is
 * deliberately tiny and depends on nothing, so the driver can test variants
 * before anything else is built).
 *
 *   fd N DEV:INO       every open fd (found with fcntl, no /proc needed)
 *   rlimit SOFT HARD   RLIMIT_NOFILE ("inf" for RLIM_INFINITY)
 *   blocked S...       blocked signal numbers
 *   ignored S...       signals whose disposition is SIG_IGN
 *   cwd PATH
 *   pid PID PGID
 *
 * It opens nothing: the report goes to fd 1 and nothing else is touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static void put_limit(rlim_t v) {
  if (v == RLIM_INFINITY)
    printf(" inf");
  else
    printf(" %llu", (unsigned long long)v);
}

int main(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 2;

  /*
   * An fd can sit above the current soft limit (opened before it was
   * lowered), but never above the largest limit the process could have had;
   * 1 << 20 is the kernel's default nr_open, and past 65536 the hard limit
   * bounds it.
   */
  long bound = 65536;
  if (rl.rlim_max != RLIM_INFINITY && (long)rl.rlim_max > bound) bound = (long)rl.rlim_max;
  if (bound > (1L << 20)) bound = 1L << 20;

  /* Snapshot before stdio allocates anything. */
  static int open_fds[1 << 16];
  int nopen = 0;
  for (long fd = 0; fd < bound && nopen < (int)(sizeof open_fds / sizeof open_fds[0]); fd++)
    if (fcntl((int)fd, F_GETFD) >= 0) open_fds[nopen++] = (int)fd;

  for (int i = 0; i < nopen; i++) {
    struct stat st;
    if (fstat(open_fds[i], &st) != 0) continue;
    printf("fd %d %llu:%llu\n", open_fds[i], (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino);
  }

  printf("rlimit");
  put_limit(rl.rlim_cur);
  put_limit(rl.rlim_max);
  printf("\n");

  sigset_t mask;
  sigprocmask(SIG_SETMASK, NULL, &mask);
  printf("blocked");
  for (int sig = 1; sig < NSIG; sig++)
    if (sigismember(&mask, sig) == 1) printf(" %d", sig);
  printf("\nignored");
  for (int sig = 1; sig < NSIG; sig++) {
    struct sigaction sa;
    if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) printf(" %d", sig);
  }
  printf("\n");

  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) != NULL) printf("cwd %s\n", cwd);
  printf("pid %d %d\n", (int)getpid(), (int)getpgrp());
  return fflush(stdout) == 0 ? 0 : 3;
}

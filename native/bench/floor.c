/*
 * fdaudit-floor: the lowest round trip a launcher can reach here. A loop of
 * vfork + execve + waitpid in C, with no JavaScript, no fd plan and no
 * signal work, timing each round from just before vfork to just after the
 * child is reaped.
 *
 *   fdaudit-floor --rounds N [--warmup W] -- PROGRAM [ARGS...]
 *       runs W untimed rounds, then N timed ones, and prints one JSON
 *       object: {"schema":"fdaudit/floor@1", ..., "rounds_us":[...]}
 *   fdaudit-floor --serve -- PROGRAM [ARGS...]
 *       one round per line read on stdin, answering each with a line
 *       {"us":T} (or {"error":"..."}) on stdout; exits 0 at end of input.
 *       This lets a benchmark interleave the floor with its other launchers
 *       round by round, so machine noise hits all of them alike.
 *
 * Two options measure what sealing costs the kernel, below any launcher:
 *   --open N     hold N extra non-CLOEXEC fds (duplicates of /dev/null)
 *   --seal HOW   the child closes every fd >= 3 before execve:
 *                close_range  vfork, then close_range(3, ~0U, 0): the fd
 *                             table was copied at vfork, every entry is put
 *                unshare      clone(CLONE_VM|CLONE_VFORK|CLONE_FILES) on a
 *                             stack of its own, then close_range(3, ~0U,
 *                             CLOSE_RANGE_UNSHARE): the kernel copies only
 *                             fds 0..2 when it unshares the table
 *
 * The parent of the loop is this small process, whatever the size of the
 * process that started it: that is the point of a floor.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

enum seal { SEAL_NONE, SEAL_CLOSE_RANGE, SEAL_UNSHARE };
static enum seal seal_how = SEAL_NONE;

/* Written by the child (shared memory) when execve fails. */
static volatile int exec_errno;

/* The clone child's own stack: CLONE_VFORK keeps the parent stopped, so one suffices. */
static char child_stack[64 * 1024] __attribute__((aligned(16)));

static int unshare_child(void *arg) {
  char *const *argv = arg;
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_UNSHARE) != 0) {
    exec_errno = errno;
    _exit(127);
  }
  execve(argv[0], argv, environ);
  exec_errno = errno;
  _exit(127);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* A round whose child ran but did not exit 0 (errno values are all smaller). */
#define NOT_ZERO_EXIT (-1e9)

static const char *failure(double us) {
  return us == NOT_ZERO_EXIT ? "the program did not exit with status 0" : strerror((int)-us);
}

/* One round trip; returns microseconds, or -errno / NOT_ZERO_EXIT on failure. */
static double round_trip(char *const argv[]) {
  exec_errno = 0;
  double t0 = now_us();
  pid_t pid;
  if (seal_how == SEAL_UNSHARE) {
    pid = clone(unshare_child, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD,
                (void *)argv);
  } else {
    pid = vfork();
    if (pid == 0) {
      if (seal_how == SEAL_CLOSE_RANGE && syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        exec_errno = errno;
        _exit(127);
      }
      execve(argv[0], argv, environ);
      exec_errno = errno;
      _exit(127);
    }
  }
  if (pid < 0) return -(double)errno;
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -(double)errno;
  }
  double t1 = now_us();
  if (exec_errno != 0) return -(double)exec_errno;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return NOT_ZERO_EXIT;
  return t1 - t0;
}

static int usage(const char *why) {
  fprintf(stderr,
          "fdaudit-floor: %s\n"
          "usage: fdaudit-floor --rounds N [--warmup W] [--open N] [--seal close_range|unshare] -- PROGRAM [ARGS...]\n"
          "       fdaudit-floor --serve [--open N] [--seal close_range|unshare] -- PROGRAM [ARGS...]\n",
          why);
  return 2;
}

static int parse_count(const char *s, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 100000000L) return -1;
  *out = v;
  return 0;
}

static int serve(char *const argv[]) {
  char line[64];
  while (fgets(line, sizeof line, stdin) != NULL) {
    double us = round_trip(argv);
    if (us < 0)
      printf("{\"error\":\"%s\"}\n", failure(us));
    else
      printf("{\"us\":%.3f}\n", us);
    if (fflush(stdout) != 0) return 1;
  }
  return 0;
}

static int batch(char *const argv[], long rounds, long warmup) {
  for (long i = 0; i < warmup; i++) {
    double us = round_trip(argv);
    if (us < 0) {
      fprintf(stderr, "fdaudit-floor: %s: %s\n", argv[0], failure(us));
      return 1;
    }
  }
  double *times = malloc(sizeof *times * (size_t)(rounds > 0 ? rounds : 1));
  if (times == NULL) return usage("out of memory");
  for (long i = 0; i < rounds; i++) {
    times[i] = round_trip(argv);
    if (times[i] < 0) {
      fprintf(stderr, "fdaudit-floor: %s: %s\n", argv[0], failure(times[i]));
      free(times);
      return 1;
    }
  }
  printf("{\"schema\":\"fdaudit/floor@1\",\"program\":\"");
  for (const char *p = argv[0]; *p; p++) {
    if (*p == '"' || *p == '\\') putchar('\\');
    if ((unsigned char)*p >= 0x20) putchar(*p);
  }
  printf("\",\"warmup\":%ld,\"rounds_us\":[", warmup);
  for (long i = 0; i < rounds; i++) printf("%s%.3f", i ? "," : "", times[i]);
  printf("]}\n");
  free(times);
  return fflush(stdout) == 0 ? 0 : 1;
}

/* Holds `n` extra non-CLOEXEC fds for the rest of the run. */
static int open_fds(long n) {
  int fd = n > 0 ? open("/dev/null", O_RDONLY) : -1;
  if (n > 0 && fd < 0) return -1;
  for (long i = 1; i < n; i++)
    if (fcntl(fd, F_DUPFD, 3) < 0) return -1;
  return 0;
}

int main(int argc, char **argv) {
  long rounds = -1, warmup = 0, open_n = 0;
  int serving = 0, i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--serve") == 0) {
      serving = 1;
    } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      if (parse_count(argv[++i], &rounds) != 0) return usage("--rounds needs a count");
    } else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc) {
      if (parse_count(argv[++i], &warmup) != 0) return usage("--warmup needs a count");
    } else if (strcmp(argv[i], "--open") == 0 && i + 1 < argc) {
      if (parse_count(argv[++i], &open_n) != 0) return usage("--open needs a count");
    } else if (strcmp(argv[i], "--seal") == 0 && i + 1 < argc) {
      i++;
      if (strcmp(argv[i], "close_range") == 0)
        seal_how = SEAL_CLOSE_RANGE;
      else if (strcmp(argv[i], "unshare") == 0)
        seal_how = SEAL_UNSHARE;
      else
        return usage("--seal takes close_range or unshare");
    } else {
      return usage("unknown argument");
    }
  }
  if (i >= argc) return usage("no program given after --");
  if (argv[i][0] != '/') return usage("the program must be an absolute path (no PATH search here)");
  if (serving == (rounds >= 0)) return usage("give exactly one of --rounds N and --serve");
  if (open_fds(open_n) != 0) {
    fprintf(stderr, "fdaudit-floor: cannot hold %ld fds open: %s\n", open_n, strerror(errno));
    return 1;
  }
  char *const *prog = &argv[i];
  return serving ? serve(prog) : batch(prog, rounds, warmup);
}

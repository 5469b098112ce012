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
 * The parent of the loop is this small process, whatever the size of the
 * process that started it: that is the point of a floor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Written by the vfork child (shared memory) when execve fails. */
static volatile int exec_errno;

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
  pid_t pid = vfork();
  if (pid == 0) {
    execve(argv[0], argv, environ);
    exec_errno = errno;
    _exit(127);
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
          "usage: fdaudit-floor --rounds N [--warmup W] -- PROGRAM [ARGS...]\n"
          "       fdaudit-floor --serve -- PROGRAM [ARGS...]\n",
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

int main(int argc, char **argv) {
  long rounds = -1, warmup = 0;
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
    } else {
      return usage("unknown argument");
    }
  }
  if (i >= argc) return usage("no program given after --");
  if (argv[i][0] != '/') return usage("the program must be an absolute path (no PATH search here)");
  if (serving == (rounds >= 0)) return usage("give exactly one of --rounds N and --serve");
  char *const *prog = &argv[i];
  return serving ? serve(prog) : batch(prog, rounds, warmup);
}

/*
 * fdaudit-corebench: the sealed launcher's C core (fda_spawn, native/launch)
 * in the same loop as fdaudit-floor, with no JavaScript and no Node-API in
 * the way. Between the floor and the `native` row of the benchmark it tells
 * the core's own cost (fd plan, signal resets, seal, rlimit) from the cost
 * of the binding above it.
 *
 *   fdaudit-corebench --serve [--open N] [--strategy NAME] -- PROGRAM [ARGS...]
 *
 * One round per line read on stdin, answered with {"us":T,"strategy":"..."}
 * or {"error":"..."}; exits 0 at end of input. The plan is the binding's
 * default: stdio [0, 1, 2], seal, soft limit to FD_SETSIZE, no signal
 * blocked or ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch/launch.h"

extern char **environ;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int usage(const char *why) {
  fprintf(stderr,
          "fdaudit-corebench: %s\n"
          "usage: fdaudit-corebench --serve [--open N] [--strategy auto|close_range|proc|poll|loop] -- PROGRAM [ARGS...]\n",
          why);
  return 2;
}

int main(int argc, char **argv) {
  long open_n = 0;
  int serving = 0, strategy = FDA_CLOSE_AUTO, i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--serve") == 0) {
      serving = 1;
    } else if (strcmp(argv[i], "--open") == 0 && i + 1 < argc) {
      char *end;
      open_n = strtol(argv[++i], &end, 10);
      if (*end != '\0' || open_n < 0) return usage("--open needs a count");
    } else if (strcmp(argv[i], "--strategy") == 0 && i + 1 < argc) {
      i++;
      strategy = strcmp(argv[i], "auto") == 0 ? FDA_CLOSE_AUTO : fda_strategy_from_name(argv[i]);
      if (strategy < 0) return usage("unknown strategy");
    } else {
      return usage("unknown argument");
    }
  }
  if (!serving) return usage("--serve is required");
  if (i >= argc || argv[i][0] != '/') return usage("give an absolute program path after --");

  int fd = open_n > 0 ? open("/dev/null", O_RDONLY) : -1;
  for (long k = 1; k < open_n; k++)
    if (fd < 0 || fcntl(fd, F_DUPFD, 3) < 0) return usage("cannot hold that many fds open");

  static const int stdio[3] = {0, 1, 2};
  struct fda_plan plan;
  memset(&plan, 0, sizeof plan);
  plan.file = argv[i];
  plan.argv = &argv[i];
  plan.envp = environ;
  plan.stdio = stdio;
  plan.nstdio = 3;
  plan.seal = 1;
  plan.strategy = strategy;
  plan.rlimit_mode = FDA_RLIMIT_FD_SETSIZE;
  sigemptyset(&plan.child_mask);
  sigemptyset(&plan.child_ignore);

  char line[64];
  while (fgets(line, sizeof line, stdin) != NULL) {
    struct fda_result r;
    double t0 = now_us();
    int rc = fda_spawn(&plan, &r);
    int status = 0;
    if (rc == 0) {
      while (waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    double us = now_us() - t0;
    if (rc != 0)
      printf("{\"error\":\"%s: %s\"}\n", fda_step_name(r.step), strerror(r.err));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      printf("{\"error\":\"the program did not exit with status 0\"}\n");
    else
      printf("{\"us\":%.3f,\"strategy\":\"%s\"}\n", us, fda_strategy_name(r.strategy));
    if (fflush(stdout) != 0) return 1;
  }
  return 0;
}

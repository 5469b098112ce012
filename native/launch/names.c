/* Names of strategies and steps as they cross to JavaScript. */
#include <string.h>

#include "launch.h"

static const char *const strategy_names[FDA_CLOSE__COUNT] = {
  [FDA_CLOSE_NONE] = "none",   [FDA_CLOSE_AUTO] = "auto", [FDA_CLOSE_RANGE] = "close_range",
  [FDA_CLOSE_PROC] = "proc",   [FDA_CLOSE_POLL] = "poll", [FDA_CLOSE_LOOP] = "loop",
};

static const char *const step_names[FDA_STEP__COUNT] = {
  [FDA_STEP_NONE] = "none",          [FDA_STEP_VFORK] = "vfork",
  [FDA_STEP_SIGACTION] = "sigaction", [FDA_STEP_FCNTL] = "fcntl",
  [FDA_STEP_DUP2] = "dup2",          [FDA_STEP_CLOSE_RANGE] = "close_range",
  [FDA_STEP_CLOSE] = "close",        [FDA_STEP_SETRLIMIT] = "setrlimit",
  [FDA_STEP_CHDIR] = "chdir",        [FDA_STEP_SIGPROCMASK] = "sigprocmask",
  [FDA_STEP_EXECVE] = "execve",      [FDA_STEP_POSIX_SPAWN] = "posix_spawn",
  [FDA_STEP_SETPGID] = "setpgid",    [FDA_STEP_FORK] = "fork",
};

const char *fda_strategy_name(int strategy) {
  if (strategy < 0 || strategy >= FDA_CLOSE__COUNT) return "unknown";
  return strategy_names[strategy];
}

int fda_strategy_from_name(const char *name) {
  for (int i = 0; i < FDA_CLOSE__COUNT; i++)
    if (strcmp(strategy_names[i], name) == 0) return i;
  return -1;
}

const char *fda_step_name(int step) {
  if (step < 0 || step >= FDA_STEP__COUNT) return "unknown";
  return step_names[step];
}

int fda_sigset_add(sigset_t *set, int sig) {
  if (sig < 1 || sig > 64) return -1;
  unsigned long *w = (unsigned long *)(void *)set;
  unsigned int b = (unsigned int)(sig - 1);
  w[b / (8 * sizeof(unsigned long))] |= 1UL << (b % (8 * sizeof(unsigned long)));
  return 0;
}

int fda_sigset_has(const sigset_t *set, int sig) {
  if (sig < 1 || sig > 64) return -1;
  const unsigned long *w = (const unsigned long *)(const void *)set;
  unsigned int b = (unsigned int)(sig - 1);
  return (int)((w[b / (8 * sizeof(unsigned long))] >> (b % (8 * sizeof(unsigned long)))) & 1UL);
}

/*
 * fdaudit-fdlist: what this process inherited, as one JSON object.
 *
 *   fdaudit-fdlist OUT [EXIT_CODE]
 *
 * Takes its snapshot before opening anything: every fd number (by fcntl over
 * a complete bound, so it needs no /proc), each fd's dev/ino and CLOEXEC
 * flag, RLIMIT_NOFILE, the blocked mask, ignored and handled signals, pid,
 * pgid. Then writes the JSON to OUT ("-" = fd 1) and exits with EXIT_CODE
 * (default 0). Used by the launcher's tests to see a child from the inside.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child.h"

#define MAX_FDS 65536

struct fdinfo {
  int fd;
  int cloexec;
  unsigned long long dev, ino;
};

static struct fdinfo fds[MAX_FDS];

static void print_limit(FILE *f, rlim_t v) {
  if (v == RLIM_INFINITY) fputs("\"unlimited\"", f);
  else fprintf(f, "%llu", (unsigned long long)v);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: fdaudit-fdlist OUT [EXIT_CODE]\n", stderr);
    return 2;
  }
  /* Snapshot first. fda_fd_bound opens and closes /proc/self/status before the scan. */
  int exact;
  unsigned int bound = fda_fd_bound(&exact);
  int nfds = 0;
  for (unsigned int fd = 0; fd < bound && nfds < MAX_FDS; fd++) {
    int fl = fcntl((int)fd, F_GETFD);
    if (fl < 0) continue;
    struct stat st;
    fds[nfds].fd = (int)fd;
    fds[nfds].cloexec = (fl & FD_CLOEXEC) != 0;
    if (fstat((int)fd, &st) == 0) {
      fds[nfds].dev = (unsigned long long)st.st_dev;
      fds[nfds].ino = (unsigned long long)st.st_ino;
    }
    nfds++;
  }
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  sigset_t mask;
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, (size_t)8);
  int ignored[65] = {0}, handled[65] = {0};
  for (int sig = 1; sig <= 64; sig++) {
    struct {
      void (*handler)(int);
      unsigned long flags;
      void (*restorer)(void);
      unsigned long mask;
    } ka;
    /* Raw: glibc's sigaction refuses 32 and 33. Layout of x86_64/aarch64. */
    if (syscall(SYS_rt_sigaction, sig, NULL, &ka, (size_t)8) != 0) continue;
    if (ka.handler == SIG_IGN) ignored[sig] = 1;
    else if (ka.handler != SIG_DFL) handled[sig] = 1;
  }
  pid_t pid = getpid(), pgid = getpgid(0);
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");

  FILE *out = strcmp(argv[1], "-") == 0 ? stdout : fopen(argv[1], "w");
  if (!out) {
    fprintf(stderr, "fdaudit-fdlist: %s: %s\n", argv[1], strerror(errno));
    return 3;
  }
  fprintf(out, "{\"pid\":%d,\"pgid\":%d,\"boundExact\":%s,\"fds\":[", (int)pid, (int)pgid, exact ? "true" : "false");
  for (int i = 0; i < nfds; i++)
    fprintf(out, "%s{\"fd\":%d,\"cloexec\":%s,\"dev\":%llu,\"ino\":%llu}", i ? "," : "", fds[i].fd,
            fds[i].cloexec ? "true" : "false", fds[i].dev, fds[i].ino);
  fputs("],\"soft\":", out);
  print_limit(out, rl.rlim_cur);
  fputs(",\"hard\":", out);
  print_limit(out, rl.rlim_max);
  const char *names[3] = {"blocked", "ignored", "handled"};
  for (int k = 0; k < 3; k++) {
    fprintf(out, ",\"%s\":[", names[k]);
    int first = 1;
    for (int sig = 1; sig <= 64; sig++) {
      int on = k == 0 ? fda_sigset_has(&mask, sig) == 1 : k == 1 ? ignored[sig] : handled[sig];
      if (!on) continue;
      fprintf(out, "%s%d", first ? "" : ",", sig);
      first = 0;
    }
    fputc(']', out);
  }
  fputs(",\"cwd\":\"", out);
  for (const char *p = cwd; *p; p++) {
    if (*p == '"' || *p == '\\') fputc('\\', out);
    fputc(*p, out);
  }
  fputs("\"}\n", out);
  if (out != stdout) fclose(out);
  else fflush(out);
  return argc > 2 ? atoi(argv[2]) : 0;
}

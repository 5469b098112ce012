/*
 * fdaudit-fdscan: the oracle the probe's fd list is checked against. It knows
 * one way to find open fds, the bluntest: fcntl(F_GETFD) on every number below
 * the fd table size, one call each. No /proc listing, no poll batches, nothing
 * shared with the probe's code, so a blind spot of the probe is not repeated
 * here.
 *
 *   fdaudit-fdscan [--below N]
 *
 * The table size is FDSize from /proc/self/status (the kernel's own count of
 * slots: no fd can have a number at or above it). Without /proc, --below N
 * gives the bound; any N at or above the table size is exact (fs.nr_open
 * bounds every table). Prints {"bound":N,"fds":[...]} on stdout. Exit 0, 1
 * when the bound cannot be found, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* FDSize of /proc/self/status, or -1. Its fd is closed again before the scan. */
static long table_size(void) {
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  static char buf[8192];
  size_t len = 0;
  for (;;) {
    ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = '\0';
  const char *p = strstr(buf, "\nFDSize:");
  return p ? strtol(p + strlen("\nFDSize:"), NULL, 10) : -1;
}

int main(int argc, char **argv) {
  long bound = -1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--below") == 0 && i + 1 < argc) {
      char *end;
      errno = 0;
      long v = strtol(argv[++i], &end, 10);
      if (errno || *end || v <= 0 || v > (long)INT_MAX + 1) {
        fprintf(stderr, "fdaudit-fdscan: --below needs a positive fd count, not '%s'\n", argv[i]);
        return 2;
      }
      bound = v;
    } else {
      fprintf(stderr, "usage: fdaudit-fdscan [--below N]\n");
      return 2;
    }
  }
  if (bound < 0) bound = table_size();
  if (bound < 0) {
    fprintf(stderr, "fdaudit-fdscan: /proc/self/status is out of reach: give the bound with --below N\n");
    return 1;
  }
  /* The list is printed as it is found: stdio's buffer is allocated on the
   * first write, which opens nothing. */
  printf("{\"bound\":%ld,\"fds\":[", bound);
  int first = 1;
  for (long fd = 0; fd < bound; fd++) {
    if (fcntl((int)fd, F_GETFD) < 0) continue;
    printf(first ? "%ld" : ",%ld", fd);
    first = 0;
  }
  printf("]}\n");
  return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * fdaudit-fdcount: exits with the number of open fds other than 0, 1 and 2
 * (capped at 125, so the status never reads as "killed by a signal" to a
 * shell). The stress scenario launches it thousands of times and counts the
 * non-zero exits: each is a child that inherited an fd it should not have.
 * With --exit-zero it does the same work and exits 0: the cost of a launch
 * of it, measured for launchers that are not expected to seal.
 *
 * It reads /proc/self/fd with getdents64 (leaving out the fd it reads it
 * through); where /proc is hidden it probes fd numbers with fcntl(F_GETFD)
 * instead, which is slower but needs nothing mounted.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { COUNT_CAP = 125, MIN_BOUND = 65536 };

static int parse_fd(const char *s) {
  int v = 0;
  if (*s == '\0') return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

/* Extra fds seen through /proc/self/fd, or -1 if it cannot be read. */
static int count_proc(void) {
  int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -1;
  char buf[4096];
  int extra = 0;
  for (;;) {
    long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n < 0) {
      close(dir);
      return -1;
    }
    if (n == 0) break;
    for (long off = 0; off < n;) {
      /* struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name */
      unsigned short reclen;
      __builtin_memcpy(&reclen, buf + off + 16, sizeof reclen);
      int fd = parse_fd(buf + off + 19);
      if (fd > 2 && fd != dir && extra < COUNT_CAP) extra++;
      off += reclen;
    }
  }
  close(dir);
  return extra;
}

/* An fd can sit above the current limits if they were lowered after it was
 * opened, so probe at least MIN_BOUND numbers. */
static int count_fcntl(void) {
  struct rlimit rl;
  long bound = MIN_BOUND;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && (long)rl.rlim_max > bound)
    bound = (long)rl.rlim_max;
  int extra = 0;
  for (long fd = 3; fd < bound && extra < COUNT_CAP; fd++) {
    if (fcntl((int)fd, F_GETFD) != -1) extra++;
  }
  return extra;
}

int main(int argc, char **argv) {
  int extra = count_proc();
  if (extra < 0) extra = count_fcntl();
  return argc > 1 && strcmp(argv[1], "--exit-zero") == 0 ? 0 : extra;
}

/*
 * The fd table size of the calling process, parent side: for programs that
 * scan their own fds (fdaudit-fdlist) and for the variants that plan from
 * the parent's fds. The launcher's own seal measures in the child instead
 * (fda_child_fd_bound, child.c), where the table is frozen.
 *
 * No RLIMIT_NOFILE bounds the fds: an fd opened at 19999 stays open after
 * the soft limit is lowered to 1024 (flaw F3 is trusting it), and the hard
 * limit is whatever an administrator set (Docker gives containers
 * 1073741816): sweeping to it costs seconds. What bounds every open fd is
 * the size of the fd table (fdt->max_fds), which the kernel grows only as
 * far as the highest fd needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/time.h>
#include <unistd.h>

#include "child.h"
#include "sys.h"

/* Reads a small proc file into buf (NUL-terminated). -1 if it cannot be read. */
static ssize_t read_small_file(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t got = 0;
  while (got < len - 1) {
    ssize_t n = read(fd, buf + got, len - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  buf[got] = '\0';
  return (ssize_t)got;
}

unsigned int fda_parse_uint(const char *p) {
  while (*p == ' ' || *p == '\t') p++;
  unsigned long v = 0;
  int any = 0;
  while (*p >= '0' && *p <= '9') {
    v = v * 10 + (unsigned long)(*p++ - '0');
    if (v > UINT_MAX) return 0;
    any = 1;
  }
  return any ? (unsigned int)v : 0;
}

/* /proc/self/status "FDSize:" is fdt->max_fds. 0 when /proc is not there. */
static unsigned int table_size_from_proc(void) {
  char buf[4096];
  if (read_small_file("/proc/self/status", buf, sizeof buf) <= 0) return 0;
  const char *p = strstr(buf, "\nFDSize:");
  return p ? fda_parse_uint(p + 8) : 0;
}

/*
 * Is fd number k inside the fd table? 1 yes, 0 no, -errno if select refuses.
 *
 * core_sys_select() clamps nfds to the table size (if (n > max_fds) n =
 * max_fds) and then fails with EBADF for any set bit of a number that is not
 * open below the clamp. So for a closed k, select(k + 1, {k}, zero timeout)
 * gives EBADF when k < table size and 0 when k >= table size (the bit is past
 * the clamp and never read). An open k is inside the table by definition.
 */
static int inside_table(unsigned int k) {
  if (fcntl((int)k, F_GETFD) >= 0) return 1;
  size_t words = k / (8 * sizeof(unsigned long)) + 1;
  size_t len = words * sizeof(unsigned long);
  /* fd_set is only 1024 bits; a zeroed anonymous mapping holds any size. */
  unsigned long *bits = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (bits == MAP_FAILED) return -errno;
  bits[k / (8 * sizeof(unsigned long))] |= 1UL << (k % (8 * sizeof(unsigned long)));
  struct timeval zero = {0, 0};
  int r;
  do r = select((int)k + 1, (fd_set *)(void *)bits, NULL, NULL, &zero);
  while (r < 0 && errno == EINTR);
  int err = errno;
  munmap(bits, len);
  if (r > 0) return 1;          /* opened meanwhile: inside */
  if (r == 0) return 0;
  return err == EBADF ? 1 : -err;
}

unsigned int fda_fd_table_size_by_select(void) {
  /* Exponential search for a number outside the table, then bisect. */
  unsigned int lo = 0, hi = 64; /* invariant: lo inside (or 0), hi probed */
  for (;;) {
    int in = inside_table(hi);
    if (in < 0) return 0;
    if (!in) break;
    lo = hi;
    if (hi > INT_MAX / 2) return 0;
    hi *= 2;
  }
  /* lo is inside (or 0), hi is outside: the table size is in (lo, hi]. */
  while (hi - lo > 1) {
    unsigned int mid = lo + (hi - lo) / 2;
    int in = inside_table(mid);
    if (in < 0) return 0;
    if (in) lo = mid;
    else hi = mid;
  }
  return hi;
}

/*
 * Last resort when neither /proc nor select(2) can tell the table size: no fd
 * can be numbered at or above fs.nr_open, the kernel's cap on the table. It
 * is read once from /proc/sys/fs/nr_open and cached, whether the read worked
 * or not (then the default, 1 << 20, is assumed). Assumption: an
 * administrator who raised nr_open also left /proc or select available.
 */
static _Atomic unsigned int nr_open_cache;

unsigned int fda_fd_nr_open(void) {
  unsigned int v = atomic_load_explicit(&nr_open_cache, memory_order_relaxed);
  if (v) return v;
  char buf[64];
  if (read_small_file("/proc/sys/fs/nr_open", buf, sizeof buf) > 0) v = fda_parse_uint(buf);
  if (!v) v = 1U << 20;
  atomic_store_explicit(&nr_open_cache, v, memory_order_relaxed);
  return v;
}

unsigned int fda_fd_bound(int *exact) {
  unsigned int table = table_size_from_proc();
  if (!table) table = fda_fd_table_size_by_select();
  if (!table) {
    *exact = 0;
    return fda_fd_nr_open();
  }
  *exact = 1;
  return table;
}

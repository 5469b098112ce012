/*
 * The exec record: what the new image inherited, read from /proc/PID while
 * the process sits in its exec stop (its fd table, limits and signal state
 * cannot change meanwhile). Fds are described by the probe's own code
 * (probe/describe.c), so a trace and a probe report name the same open file
 * with the same identity.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe/describe.h"
#include "trace.h"

/* argv beyond this many bytes is cut (and said to be): a record stays a line, not a megabyte. */
#define CMDLINE_MAX (64 * 1024)

ssize_t read_small(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t len = 0;
  while (len + 1 < size) {
    ssize_t n = read(fd, buf + len, size - len - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return -e;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = '\0';
  return (ssize_t)len;
}

const char *status_field(const char *status, const char *key) {
  size_t k = strlen(key);
  for (const char *line = status; line && *line;) {
    if (strncmp(line, key, k) == 0 && line[k] == ':') {
      const char *v = line + k + 1;
      while (*v == ' ' || *v == '\t') v++;
      return v;
    }
    line = strchr(line, '\n');
    if (line) line++;
  }
  return NULL;
}

/* ---- fds ---- */

struct dirent64_raw {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/*
 * The open fd numbers of the process, sorted, in a buffer reused from one
 * exec to the next (it only grows to the largest fd table seen).
 */
static int *fd_list;
static size_t fd_cap;

static ssize_t list_fds(const char *proc_dir) {
  char path[64];
  snprintf(path, sizeof path, "%s/fd", proc_dir);
  int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -errno;
  static _Alignas(8) char dbuf[16384];
  size_t n = 0;
  for (;;) {
    long got = syscall(SYS_getdents64, dir, dbuf, sizeof dbuf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int e = errno;
      close(dir);
      return -e;
    }
    if (got == 0) break;
    for (long off = 0; off < got;) {
      struct dirent64_raw *e = (struct dirent64_raw *)(dbuf + off);
      off += e->d_reclen;
      const char *s = e->d_name;
      if (*s < '0' || *s > '9') continue;
      long v = 0;
      for (; *s >= '0' && *s <= '9' && v <= INT_MAX; s++) v = v * 10 + (*s - '0');
      if (*s || v > INT_MAX) continue;
      if (n == fd_cap) {
        size_t cap = fd_cap ? fd_cap * 2 : 64;
        int *bigger = realloc(fd_list, cap * sizeof *bigger);
        if (!bigger) {
          close(dir);
          return -ENOMEM;
        }
        fd_list = bigger;
        fd_cap = cap;
      }
      fd_list[n++] = (int)v;
    }
  }
  close(dir);
  qsort(fd_list, n, sizeof *fd_list, cmp_int);
  return (ssize_t)n;
}

static void put_fd(const struct fda_fd_desc *d) {
  out_f("{\"fd\":%d,\"target\":", d->fd);
  out_str(d->target);
  out_s(",\"type\":");
  out_str(d->type);
  out_s(",\"dev\":");
  out_str(d->dev);
  out_s(",\"ino\":");
  out_str(d->ino);
  out_s(",\"flags\":");
  out_str(d->flags);
  out_s(",\"pos\":");
  out_str(d->pos);
  out_s(",\"identity\":");
  out_str(d->identity);
  out_s("}");
}

/* ---- the rest of the process ---- */

static void put_limit(rlim_t v) {
  if (v == RLIM_INFINITY) out_s("\"unlimited\"");
  else out_f("%llu", (unsigned long long)v);
}

/* RLIMIT_NOFILE of another process: prlimit, else the "Max open files" line of /proc/PID/limits. */
static int nofile_of(pid_t pid, const char *proc_dir, struct rlimit *rl) {
  if (prlimit(pid, RLIMIT_NOFILE, NULL, rl) == 0) return 0;
  char path[64], text[4096];
  snprintf(path, sizeof path, "%s/limits", proc_dir);
  if (read_small(path, text, sizeof text) < 0) return -1;
  const char *line = strstr(text, "Max open files");
  if (!line) return -1;
  char soft[32], hard[32];
  if (sscanf(line + strlen("Max open files"), " %31s %31s", soft, hard) != 2) return -1;
  rl->rlim_cur = strcmp(soft, "unlimited") == 0 ? RLIM_INFINITY : strtoull(soft, NULL, 10);
  rl->rlim_max = strcmp(hard, "unlimited") == 0 ? RLIM_INFINITY : strtoull(hard, NULL, 10);
  return 0;
}

/* A hex mask field of /proc/PID/status ("SigBlk"), 16 digits, or "" when missing. */
static void put_mask(const char *status, const char *key) {
  const char *v = status_field(status, key);
  size_t n = 0;
  while (v && n < 16 && ((v[n] >= '0' && v[n] <= '9') || (v[n] >= 'a' && v[n] <= 'f'))) n++;
  out_strn(v ? v : "", n);
}

static void put_argv(const char *cmdline, size_t len, int cut) {
  out_s("[");
  size_t start = 0;
  int first = 1;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && cmdline[i] != '\0') continue;
    if (i == len && start == len) break;
    if (!first) out_s(",");
    first = 0;
    out_strn(cmdline + start, i - start);
    start = i + 1;
  }
  out_s("]");
  if (cut) out_s(",\"argvTruncated\":true");
}

int record_exec(const struct exec_info *info, char *program, size_t size) {
  char proc_dir[32];
  snprintf(proc_dir, sizeof proc_dir, "/proc/%d", (int)info->pid);
  char path[64];

  snprintf(path, sizeof path, "%s/exe", proc_dir);
  ssize_t n = readlink(path, program, size - 1);
  if (n < 0) return -errno;
  program[n] = '\0';

  static char cmdline[CMDLINE_MAX + 1];
  snprintf(path, sizeof path, "%s/cmdline", proc_dir);
  ssize_t clen = read_small(path, cmdline, sizeof cmdline);
  if (clen < 0) return (int)clen;
  int cut = (size_t)clen >= CMDLINE_MAX;

  static char status[8192];
  snprintf(path, sizeof path, "%s/status", proc_dir);
  ssize_t slen = read_small(path, status, sizeof status);
  if (slen < 0) return (int)slen;

  ssize_t nfds = list_fds(proc_dir);
  if (nfds < 0) return (int)nfds;

  out_f("{\"event\":\"exec\",\"id\":%lu,\"pid\":%d,\"ppid\":%d", info->id, (int)info->pid, (int)info->parent_pid);
  if (info->former_tid && info->former_tid != info->pid) out_f(",\"formerTid\":%d", (int)info->former_tid);
  out_f(",\"via\":\"%s\",\"parentId\":%lu,\"parentProgram\":", info->via, info->parent_id);
  out_str(info->parent_program);
  out_f(",\"timeMs\":%.3f,\"program\":", info->time_ms);
  out_str(program);
  out_s(",\"argv\":");
  put_argv(cmdline, (size_t)clen, cut);

  out_s(",\"fds\":[");
  static struct fda_fd_desc d; /* the target buffer is large: off the stack */
  int first = 1;
  for (ssize_t i = 0; i < nfds; i++) {
    int rc = fda_describe_proc_fd(proc_dir, fd_list[i], &d);
    if (rc == -ENOENT) continue; /* closed between the listing and now: cannot happen in a stop, but harmless */
    if (rc < 0) fda_describe_unknown(fd_list[i], &d);
    if (!first) out_s(",");
    first = 0;
    put_fd(&d);
  }
  out_s("],\"rlimitNofile\":");
  struct rlimit rl;
  if (nofile_of(info->pid, proc_dir, &rl) == 0) {
    out_s("{\"soft\":");
    put_limit(rl.rlim_cur);
    out_s(",\"hard\":");
    put_limit(rl.rlim_max);
    out_s("}");
  } else {
    out_s("null");
  }
  out_s(",\"sigBlk\":");
  put_mask(status, "SigBlk");
  out_s(",\"sigIgn\":");
  put_mask(status, "SigIgn");
  out_s("}\n");
  return 0;
}

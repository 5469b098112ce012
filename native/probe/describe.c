/* Fd description and identity shared by the probe and the addon (describe.h). */
#include "describe.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/vfs.h>
#include <unistd.h>

#define ANON_INODE_FS_MAGIC 0x09041934
#define PID_FS_MAGIC 0x50494446

/* Linux 6.9 epoll busy-poll parameters: a read-only query that only an epoll
 * fd answers, which names the kind when fdinfo is out of reach. Older uapi
 * headers lack it, hence the local definition. */
struct fda_epoll_params {
  uint32_t busy_poll_usecs;
  uint16_t busy_poll_budget;
  uint8_t prefer_busy_poll;
  uint8_t pad;
};
#define FDA_EPIOCGPARAMS _IOR(0x8A, 0x02, struct fda_epoll_params)

/* Linux 6.13 PIDFD_GET_INFO, first version of its (extensible) argument: the
 * pid a pidfd refers to, asked without /proc. The kernel takes the size from
 * the request number, so this 64-byte layout is what any newer kernel
 * accepts too. Local for the same reason as above. */
struct fda_pidfd_info {
  uint64_t mask;
  uint64_t cgroupid;
  uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  int32_t exit_code;
};
#define FDA_PIDFD_INFO_PID 1ULL
#define FDA_PIDFD_GET_INFO _IOWR(0xFF, 11, struct fda_pidfd_info)

/* /dev/ptmx (and devpts' own ptmx node) is char 5:2: every master opened
 * through it shares that one inode, so the pty index tells masters apart. */
#define PTMX_MAJOR 5
#define PTMX_MINOR 2

/* ---- text ---- */

/* Length of a well-formed UTF-8 sequence at s (RFC 3629), 0 if malformed. */
size_t fda_utf8_len(const unsigned char *s, size_t avail) {
  unsigned char c = s[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) n = 3, lo = 0xA0;
  else if (c == 0xED) n = 3, hi = 0x9F; /* no UTF-16 surrogates */
  else if (c >= 0xE1 && c <= 0xEF) n = 3;
  else if (c == 0xF0) n = 4, lo = 0x90;
  else if (c == 0xF4) n = 4, hi = 0x8F; /* nothing above U+10FFFF */
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else return 0;
  if (avail < n) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return n;
}

/* ---- FNV-1a 64: a fingerprint, not a security boundary ---- */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_add(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= FNV_PRIME;
  }
  return h;
}

static uint64_t fnv_str(uint64_t h, const char *s) {
  /* The separator keeps "ab"+"c" apart from "a"+"bc". */
  h = fnv_add(h, s, strlen(s));
  return fnv_add(h, "\n", 1);
}

/* ---- fdinfo ---- */

/* Reads a /proc file whole; NULL when it cannot be read (no /proc, the fd or process is gone). */
static char *read_proc_file(const char *path) {
  int in = open(path, O_RDONLY | O_CLOEXEC);
  if (in < 0) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (len + 1 >= cap) {
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
    ssize_t n = read(in, buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) {
        free(buf);
        buf = NULL;
      }
      break;
    }
    len += (size_t)n;
  }
  close(in);
  if (buf) buf[len] = '\0';
  return buf;
}

/* /proc/self/fdinfo/N whole; NULL when /proc is out of reach. */
static char *read_fdinfo(int fd) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  return read_proc_file(path);
}

/* Next line of an fdinfo buffer, NUL-terminated in place. */
static char *next_line(char **cursor) {
  char *line = *cursor;
  if (!line || !*line) return NULL;
  char *nl = strchr(line, '\n');
  if (nl) {
    *nl = '\0';
    *cursor = nl + 1;
  } else {
    *cursor = line + strlen(line);
  }
  return line;
}

static int starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Collapses runs of blanks so that column padding cannot split a field. */
static void squeeze(char *s) {
  char *w = s;
  int blank = 0;
  for (char *r = s; *r; r++) {
    if (*r == ' ' || *r == '\t') {
      if (!blank && w != s) *w++ = ' ';
      blank = 1;
    } else {
      *w++ = *r;
      blank = 0;
    }
  }
  if (w > s && w[-1] == ' ') w--;
  *w = '\0';
}

/*
 * Fingerprint of the fields of one anonymous kind that stay put while the
 * file lives: counters, remaining times, positions and epoll event masks
 * (EPOLLONESHOT clears them once fired) are left out. Returns 0 when the
 * kind has no such field or none is present.
 */
static int anon_fingerprint(const char *kind, char *info, uint64_t *out) {
  uint64_t h = FNV_OFFSET;
  int fields = 0;
  char *cursor = info, *line;
  while ((line = next_line(&cursor))) {
    squeeze(line);
    char norm[160];
    norm[0] = '\0';
    if (strcmp(kind, "eventfd") == 0) {
      if (starts_with(line, "eventfd-id:") || starts_with(line, "eventfd-semaphore:"))
        snprintf(norm, sizeof norm, "%s", line);
    } else if (strcmp(kind, "timerfd") == 0) {
      if (starts_with(line, "clockid:") || starts_with(line, "settime flags:") ||
          starts_with(line, "it_interval:"))
        snprintf(norm, sizeof norm, "%s", line);
    } else if (strcmp(kind, "eventpoll") == 0) {
      int tfd;
      unsigned events, sdev;
      unsigned long long data, ino;
      long long pos;
      if (sscanf(line, "tfd: %d events: %x data: %llx pos:%lld ino:%llx sdev:%x", &tfd, &events, &data,
                 &pos, &ino, &sdev) == 6)
        snprintf(norm, sizeof norm, "tfd=%d data=%llx ino=%llx sdev=%x", tfd, data, ino, sdev);
    } else if (strcmp(kind, "inotify") == 0) {
      int wd;
      unsigned long long ino;
      unsigned sdev;
      if (sscanf(line, "inotify wd:%d ino:%llx sdev:%x", &wd, &ino, &sdev) == 3)
        snprintf(norm, sizeof norm, "wd=%d ino=%llx sdev=%x", wd, ino, sdev);
    } else if (strcmp(kind, "signalfd") == 0) {
      if (starts_with(line, "sigmask:")) snprintf(norm, sizeof norm, "%s", line);
    } else if (strcmp(kind, "pidfd") == 0) {
      /* Written as the query without /proc writes it, so both agree. */
      long pid;
      if (sscanf(line, "Pid: %ld", &pid) == 1 && pid > 0) snprintf(norm, sizeof norm, "pid=%ld", pid);
    } else if (strcmp(kind, "ptmx") == 0) {
      unsigned index;
      if (sscanf(line, "tty-index: %u", &index) == 1) snprintf(norm, sizeof norm, "tty-index=%u", index);
    }
    if (norm[0]) {
      h = fnv_str(h, norm);
      fields++;
    }
  }
  *out = h;
  return fields > 0;
}

/* The pid a pidfd refers to, without /proc; 0 where the kernel predates the query. */
static long pidfd_pid_without_proc(int fd) {
  struct fda_pidfd_info info;
  memset(&info, 0, sizeof info);
  info.mask = FDA_PIDFD_INFO_PID;
  if (ioctl(fd, FDA_PIDFD_GET_INFO, &info) != 0 || !(info.mask & FDA_PIDFD_INFO_PID)) return 0;
  return (long)info.pid;
}

/* Without fdinfo: name the anonymous kind by a query that changes nothing. */
static const char *anon_kind_without_proc(int fd, long fs_magic, uint64_t *fp, int *have_fp) {
  if (fs_magic == PID_FS_MAGIC) {
    long pid = pidfd_pid_without_proc(fd);
    if (pid > 0) {
      char norm[40];
      snprintf(norm, sizeof norm, "pid=%ld", pid);
      *fp = fnv_str(FNV_OFFSET, norm);
      *have_fp = 1;
    }
    return "pidfd";
  }
  struct itimerspec its;
  if (timerfd_gettime(fd, &its) == 0) {
    /* it_value counts down; only the interval and the kind are stable. */
    char norm[80];
    snprintf(norm, sizeof norm, "it_interval=%lld.%09ld", (long long)its.it_interval.tv_sec,
             (long)its.it_interval.tv_nsec);
    *fp = fnv_str(FNV_OFFSET, norm);
    *have_fp = 1;
    return "timerfd";
  }
  struct fda_epoll_params params;
  if (ioctl(fd, FDA_EPIOCGPARAMS, &params) == 0) return "eventpoll";
  int queued;
  if (ioctl(fd, FIONREAD, &queued) == 0) return "inotify";
  /* Of the anonymous kinds, only an eventfd polls writable (until its counter
   * is full); a zero-timeout poll consumes nothing. A signalfd has no such
   * query and stays "anon". */
  struct pollfd p = {.fd = fd, .events = POLLOUT, .revents = 0};
  if (poll(&p, 1, 0) == 1 && (p.revents & POLLOUT)) return "eventfd";
  return "anon";
}

/* A pty master (opened through /dev/ptmx): its index, from fdinfo or TIOCGPTN. */
static int ptmx_fingerprint(int fd, char *info, uint64_t *fp) {
  if (info) return anon_fingerprint("ptmx", info, fp);
  unsigned index;
  if (ioctl(fd, TIOCGPTN, &index) != 0) return 0;
  char norm[40];
  snprintf(norm, sizeof norm, "tty-index=%u", index);
  *fp = fnv_str(FNV_OFFSET, norm);
  return 1;
}

/* "anon_inode:[eventfd]" -> "eventfd"; "anon_inode:inotify" -> "inotify". */
static void anon_kind_from_target(const char *target, char *kind, size_t size) {
  const char *p = target + strlen("anon_inode:");
  size_t n = strlen(p);
  if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
    p++;
    n -= 2;
  }
  if (n >= size) n = size - 1;
  memcpy(kind, p, n);
  kind[n] = '\0';
  if (!kind[0]) snprintf(kind, size, "anon");
}

static const char *access_name(int flags) {
  if (flags & O_PATH) return "path";
  switch (flags & O_ACCMODE) {
  case O_RDONLY: return "r";
  case O_WRONLY: return "w";
  case O_RDWR: return "rw";
  default: return "x";
  }
}

static const char *type_of(int fd, const struct stat *st, const char *target, int have_target,
                           long fs_magic) {
  if (have_target && starts_with(target, "anon_inode:")) return "anon";
  switch (st->st_mode & S_IFMT) {
  case S_IFIFO: return "pipe";
  case S_IFSOCK: return "socket";
  case S_IFCHR: return "char";
  case S_IFBLK: return "block";
  case S_IFDIR: return "dir";
  case S_IFLNK: return "file";
  case S_IFREG:
    if (fs_magic == ANON_INODE_FS_MAGIC || fs_magic == PID_FS_MAGIC) return "anon";
    if (have_target) return starts_with(target, "/memfd:") ? "memfd" : "file";
    /* A memfd has no name and answers F_GET_SEALS (an unlinked tmpfs file
     * does too; without /proc nothing separates them). */
    if (fd >= 0 && st->st_nlink == 0 && fcntl(fd, F_GET_SEALS) >= 0) return "memfd";
    return "file";
  default:
    if (fs_magic == ANON_INODE_FS_MAGIC || fs_magic == PID_FS_MAGIC) return "anon";
    return "unknown";
  }
}

/*
 * What is known about one open file, however it was learned: from an fd of
 * this process (fda_describe_fd) or from /proc/PID of another process that
 * is held still (fda_describe_proc_fd). compose() turns it into the
 * description, so both paths give the same fields and the same identity.
 */
struct fd_facts {
  int local_fd;  /* an fd of this process on the open file, or -1 (only for queries without /proc) */
  int fl;        /* f_flags: access mode, O_PATH, status flags */
  int cloexec;
  struct stat st;
  long fs_magic;
  int have_target;
  char *info;    /* fdinfo text (owned), or NULL */
};

static void compose(struct fd_facts *f, struct fda_fd_desc *d) {
  d->type = type_of(f->local_fd, &f->st, d->target, f->have_target, f->fs_magic);
  snprintf(d->dev, sizeof d->dev, "%u:%u", major(f->st.st_dev), minor(f->st.st_dev));
  snprintf(d->ino, sizeof d->ino, "%ju", (uintmax_t)f->st.st_ino);

  /* fdinfo prints f_flags with O_CLOEXEC folded in; F_GETFL returns the same
   * f_flags, so both paths agree. */
  unsigned flags = (unsigned)f->fl | (f->cloexec ? (unsigned)O_CLOEXEC : 0u);
  snprintf(d->flags, sizeof d->flags, "0%o", flags);

  int have_pos = 0;
  if (f->info) {
    char *p = strstr(f->info, "pos:");
    long long pos;
    if (p == f->info && sscanf(p, "pos: %lld", &pos) == 1) {
      snprintf(d->pos, sizeof d->pos, "%lld", pos);
      have_pos = 1;
    }
  }
  if (!have_pos) {
    off_t off = -1;
    if (f->local_fd >= 0 && !(f->fl & O_PATH)) off = lseek(f->local_fd, 0, SEEK_CUR);
    if (off >= 0)
      snprintf(d->pos, sizeof d->pos, "%jd", (intmax_t)off);
    else
      snprintf(d->pos, sizeof d->pos, "unknown");
  }

  int len = snprintf(d->identity, sizeof d->identity, "%s:%s:%s", d->dev, d->ino, access_name(f->fl));
  if (strcmp(d->type, "anon") == 0) {
    char kind[64];
    uint64_t fp = 0;
    int have_fp = 0;
    if (f->have_target && starts_with(d->target, "anon_inode:")) {
      anon_kind_from_target(d->target, kind, sizeof kind);
      if (f->info) have_fp = anon_fingerprint(kind, f->info, &fp);
    } else if (f->local_fd >= 0) {
      snprintf(kind, sizeof kind, "%s", anon_kind_without_proc(f->local_fd, f->fs_magic, &fp, &have_fp));
    } else {
      snprintf(kind, sizeof kind, "anon");
    }
    if (have_fp)
      snprintf(d->identity + len, sizeof d->identity - (size_t)len, ":%s:%016" PRIx64, kind, fp);
    else
      snprintf(d->identity + len, sizeof d->identity - (size_t)len, ":%s:-", kind);
  } else if (S_ISCHR(f->st.st_mode) && major(f->st.st_rdev) == PTMX_MAJOR && minor(f->st.st_rdev) == PTMX_MINOR &&
             !(f->fl & O_PATH)) {
    uint64_t fp = 0;
    if (ptmx_fingerprint(f->local_fd, f->info, &fp))
      snprintf(d->identity + len, sizeof d->identity - (size_t)len, ":ptmx:%016" PRIx64, fp);
    else
      snprintf(d->identity + len, sizeof d->identity - (size_t)len, ":ptmx:-");
  }
}

int fda_describe_fd(int fd, struct fda_fd_desc *d) {
  memset(d, 0, sizeof *d);
  d->fd = fd;
  struct fd_facts f = {.local_fd = fd};

  f.fl = fcntl(fd, F_GETFL);
  if (f.fl < 0) return -errno;
  int fdflags = fcntl(fd, F_GETFD);
  if (fdflags < 0) return -errno;
  f.cloexec = (fdflags & FD_CLOEXEC) != 0;
  if (fstat(fd, &f.st) < 0) return -errno;
  struct statfs sfs;
  f.fs_magic = fstatfs(fd, &sfs) == 0 ? (long)sfs.f_type : 0;

  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, d->target, FDA_TARGET_MAX);
  f.have_target = n >= 0;
  if (f.have_target)
    d->target[n] = '\0';
  else
    snprintf(d->target, sizeof d->target, "unknown");

  f.info = f.have_target ? read_fdinfo(fd) : NULL;
  compose(&f, d);
  free(f.info);
  return 0;
}

/* The "flags:" line of an fdinfo text (octal), or -1. */
static long fdinfo_flags(const char *info) {
  const char *p = strstr(info, "\nflags:");
  if (!p) return -1;
  char *end;
  long v = strtol(p + strlen("\nflags:"), &end, 8);
  return end == p + strlen("\nflags:") ? -1 : v;
}

int fda_describe_proc_fd(const char *proc_dir, int fd, struct fda_fd_desc *d) {
  memset(d, 0, sizeof *d);
  d->fd = fd;
  struct fd_facts f = {.local_fd = -1};
  char path[96];

  /* The link first: when the fd is gone, ENOENT says so before anything else is asked. */
  if (snprintf(path, sizeof path, "%s/fd/%d", proc_dir, fd) >= (int)sizeof path) return -ENAMETOOLONG;
  ssize_t n = readlink(path, d->target, FDA_TARGET_MAX);
  if (n < 0) return -errno;
  d->target[n] = '\0';
  f.have_target = 1;
  /* stat() follows the magic link to the open file itself: the same answer
   * fstat() gives inside the process, sockets and pipes included. */
  if (stat(path, &f.st) < 0) return -errno;
  /* Only regular files and odd modes need the file system to name their type. */
  int mode = f.st.st_mode & S_IFMT;
  if ((mode == S_IFREG || mode == 0) && !starts_with(d->target, "anon_inode:")) {
    struct statfs sfs;
    f.fs_magic = statfs(path, &sfs) == 0 ? (long)sfs.f_type : 0;
  }

  snprintf(path, sizeof path, "%s/fdinfo/%d", proc_dir, fd);
  f.info = read_proc_file(path);
  if (!f.info) return errno ? -errno : -EIO;
  long flags = fdinfo_flags(f.info);
  if (flags < 0) {
    free(f.info);
    return -EPROTO;
  }
  f.fl = (int)(flags & ~(long)O_CLOEXEC);
  f.cloexec = (flags & O_CLOEXEC) != 0;
  compose(&f, d);
  free(f.info);
  return 0;
}

void fda_describe_unknown(int fd, struct fda_fd_desc *d) {
  memset(d, 0, sizeof *d);
  d->fd = fd;
  d->type = "unknown";
  static const char unknown[] = "unknown";
  memcpy(d->target, unknown, sizeof unknown);
  memcpy(d->dev, unknown, sizeof unknown);
  memcpy(d->ino, unknown, sizeof unknown);
  memcpy(d->flags, unknown, sizeof unknown);
  memcpy(d->pos, unknown, sizeof unknown);
  memcpy(d->identity, unknown, sizeof unknown);
}

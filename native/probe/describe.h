/*
 * Description of one open fd: what the probe reports for each inherited fd,
 * and what the addon computes for a bait fd in the launching process. Both
 * sides use this code so that their `identity` strings compare equal for the
 * same open file.
 *
 * identity := DEV ":" INO ":" ACC [ ":" KIND ":" FP ]
 *   DEV   "major:minor" of st_dev, INO decimal st_ino
 *   ACC   access mode: "r", "w", "rw" or "path" (O_PATH). Both ends of a pipe
 *         share one inode; the access mode tells them apart. O_CLOEXEC, the
 *         status flags (O_NONBLOCK, O_APPEND, which fcntl can change) and the
 *         position are left out: they differ across exec or over time.
 *   KIND  only for files whose inode is shared by unrelated instances: the
 *         anonymous kind ("eventfd", "timerfd", "eventpoll", "inotify",
 *         "signalfd", "pidfd", ...; "anon" when it cannot be named), or
 *         "ptmx" for a pty master (all masters share the /dev/ptmx inode)
 *   FP    16 hex digits, FNV-1a 64 over the fields of that kind which do not
 *         change on their own: eventfd-id and semaphore mode; timerfd clockid,
 *         settime flags and it_interval; epoll targets (tfd, data, ino, sdev);
 *         inotify watches (wd, ino, sdev); signalfd sigmask; the pid of a
 *         pidfd; the tty index of a pty master. "-" when nothing tells
 *         instances of the kind apart.
 *
 * Limits, stated rather than hidden: two timerfds with the same clock and
 * interval, two empty epolls, two inotifies without watches or two signalfds
 * with one mask are indistinguishable from fdinfo; two open() calls of one
 * file share an identity (it names the object and access mode, not the open
 * file description), and so do two pidfds of one process. Without /proc,
 * fdinfo is missing: the kind is found by harmless queries where the kernel
 * offers one (timerfd_gettime, the epoll parameter ioctl, FIONREAD for
 * inotify, POLLOUT for eventfd, pidfs' magic for pidfd), FP covers only what
 * those queries return (PIDFD_GET_INFO gives a pidfd's pid and TIOCGPTN a
 * master's index, so those two read the same with and without /proc), a
 * signalfd is "anon", and `target` is "unknown". Other anonymous identities
 * computed without /proc are comparable only with identities computed
 * without /proc.
 */
#ifndef FDAUDIT_DESCRIBE_H
#define FDAUDIT_DESCRIBE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FDA_TARGET_MAX 4096

struct fda_fd_desc {
  int fd;
  char target[FDA_TARGET_MAX + 1]; /* readlink of /proc/self/fd/N, or "unknown" */
  const char *type;                /* file dir pipe socket char block anon memfd unknown */
  char dev[24];                    /* "major:minor" */
  char ino[24];                    /* decimal */
  char flags[24];                  /* octal as fdinfo prints it (with O_CLOEXEC) */
  char pos[24];                    /* decimal, or "unknown" */
  char identity[192];
};

/*
 * Fills *d for fd. Returns 0, or -errno: -EBADF when fd is not open. Opens
 * /proc/self/fdinfo/N (O_CLOEXEC) for the duration of the call, so the caller
 * must have finished any fd snapshot first. Thread-safe; not
 * async-signal-safe.
 */
int fda_describe_fd(int fd, struct fda_fd_desc *d);

/*
 * Fills *d for fd `fd` of another process, from PROC_DIR/fd/N and
 * PROC_DIR/fdinfo/N (PROC_DIR is "/proc/PID"): the same fields and the same
 * identity that fda_describe_fd computes inside that process, without
 * touching the process. The caller keeps the process from changing its fd
 * table meanwhile (a ptrace stop). Returns 0, or -errno: -ENOENT when the fd
 * is not open, -ESRCH/-ENOENT when the process is gone.
 */
int fda_describe_proc_fd(const char *proc_dir, int fd, struct fda_fd_desc *d);

/* Fills *d for fd with every field "unknown": an fd that is listed but could not be described. */
void fda_describe_unknown(int fd, struct fda_fd_desc *d);

/*
 * Length of the well-formed UTF-8 sequence (RFC 3629) at s, 0 if malformed.
 * Targets are bytes, not text; both the probe's JSON and the addon map each
 * byte of a malformed sequence to the lone surrogate U+DC00+byte, so a
 * target reads the same on both sides.
 */
size_t fda_utf8_len(const unsigned char *s, size_t avail);

#ifdef __cplusplus
}
#endif

#endif

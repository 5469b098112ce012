/* Hiding /proc: a private mount namespace with an empty read-only tmpfs
 * mounted over /proc, the way a container without /proc looks.
 *
 * With CAP_SYS_ADMIN a new mount namespace is enough. Without it, a user
 * namespace grants the capability over a mount namespace it owns; the
 * process is mapped to its own uid and gid, so its identity does not change
 * and exec drops the namespace capabilities again for a non-root uid. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel.h"

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  int err = n < 0 ? errno : 0;
  close(fd);
  if (err) return -err;
  return (size_t)n == len ? 0 : -EIO;
}

/* Own uid and gid map to themselves. setgroups must be denied first, or an
 * unprivileged process may not write a gid map. */
static int enter_user_namespace(const char **why) {
  char map[64];
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    *why = "unshare(CLONE_NEWUSER|CLONE_NEWNS)";
    return -errno;
  }
  int rc = write_file("/proc/self/setgroups", "deny");
  if (rc < 0 && rc != -ENOENT) {
    *why = "writing /proc/self/setgroups";
    return rc;
  }
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
  if ((rc = write_file("/proc/self/uid_map", map)) < 0) {
    *why = "writing /proc/self/uid_map";
    return rc;
  }
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
  if ((rc = write_file("/proc/self/gid_map", map)) < 0) {
    *why = "writing /proc/self/gid_map";
    return rc;
  }
  return 0;
}

int fdk_hide_proc(const char **why) {
  if (unshare(CLONE_NEWNS) != 0) {
    if (errno != EPERM) {
      *why = "unshare(CLONE_NEWNS)";
      return -errno;
    }
    int rc = enter_user_namespace(why);
    if (rc < 0) return rc;
  }
  /* Mounts made here must not propagate back to the host's namespace. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
    *why = "mount(/, MS_REC|MS_PRIVATE)";
    return -errno;
  }
  struct stat st;
  if (stat("/proc", &st) != 0) {
    /* Nothing to hide where there is no /proc at all. */
    if (errno == ENOENT) return 0;
    *why = "stat(/proc)";
    return -errno;
  }
  /* Empty and read-only: lookups under /proc fail with ENOENT, as they do
   * when procfs is not mounted, and nothing can be created there. */
  if (mount("fdaudit-noproc", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "size=4k,nr_inodes=2,mode=0555") != 0) {
    *why = "mount(tmpfs, /proc)";
    return -errno;
  }
  if (access("/proc/self", F_OK) == 0) {
    *why = "checking that /proc/self is gone";
    return -EEXIST;
  }
  return 0;
}

/* The RLIMIT_NOFILE emulation behind huge-nofile: the supervisor's answers to
 * the rlimit calls the filter hands it (SECCOMP_RET_USER_NOTIF).
 *
 * Each emulated process (thread group) has an emulated soft and hard limit.
 * The kernel keeps the real ones at soft = min(emulated soft, real hard) and
 * hard = min(emulated hard, real hard), so fd allocation stays real and every
 * value below the real hard limit is carried across fork and exec by the
 * kernel itself. Values above it live only here: a process met for the first
 * time takes them from its nearest ancestor known here (the root starts at
 * the personality's limit), pinned to whatever its real limits prove.
 *
 * Each answer follows the kernel's own order of checks (sys_prlimit64,
 * do_prlimit and the compat entry points in kernel/sys.c): copy the new value
 * in (EFAULT), find the task (ESRCH), check permission (EPERM), soft above
 * hard (EINVAL), hard above fs.nr_open (EPERM; emulated as the personality's
 * limit, which is what systemd sets nr_open to), raising the hard limit
 * without CAP_SYS_RESOURCE (EPERM), set, then copy the old value out (EFAULT,
 * after the new value is in force, as the kernel does). */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define COMPAT_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#define COMPAT_ARCH AUDIT_ARCH_ARM
#else
#define NATIVE_ARCH 0xffffffffU
#define COMPAT_ARCH 0xffffffffU
#endif

#define X32_SYSCALL_BIT 0x40000000U
#define RLIMIT_NOFILE_RESOURCE 7U
#define CAP_SYS_RESOURCE_BIT 24
#define COMPAT_RLIM_INFINITY 0xffffffffULL
#define COMPAT_RLIM_OLD_INFINITY 0x7fffffffULL
#define RLIM64_INF (~0ULL)
/* Ancestor walks stop here: deeper trees are not what a launcher test builds. */
#define MAX_DEPTH 256

struct proc_state {
  pid_t tgid;
  int pidfd; /* readable once the process has exited; -1 if pidfd_open failed */
  uint64_t soft, hard;
};

struct fdk_nofile {
  uint64_t start; /* the root's soft and hard limit, and the emulated fs.nr_open */
  pid_t root;
  pid_t self;
  uint64_t real_hard0; /* the real hard limit the root started with */
  int x32_absent;      /* the kernel has no x32 entry: x32 calls stay ENOSYS */
  struct proc_state *procs;
  size_t nprocs, cap, sweep_at;
  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;
  size_t req_size, resp_size;
};

struct pinfo {
  pid_t tgid, ppid;
  unsigned long uid[3], gid[3]; /* real, effective, saved */
  uint64_t capeff;
};

enum op { OP_PRLIMIT64, OP_GET, OP_SET };

struct rlim64 {
  uint64_t cur, max;
};

static long sys_prlimit(pid_t pid, const struct rlim64 *set, struct rlim64 *get) {
  return syscall(SYS_prlimit64, pid, RLIMIT_NOFILE, set, get);
}

struct fdk_nofile *fdk_nofile_new(uint64_t start, pid_t root) {
  struct fdk_nofile *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  st->start = start;
  st->root = root;
  st->self = getpid();
  struct rlim64 r;
  st->real_hard0 = sys_prlimit(0, NULL, &r) == 0 ? r.max : RLIM64_INF;
  st->sweep_at = 64;
#if defined(__x86_64__)
  /* x32 getpid: ENOSYS on a kernel built without x32. Emulating an x32 call
   * there would answer what the host never does. */
  st->x32_absent = syscall(X32_SYSCALL_BIT | 39) < 0 && errno == ENOSYS;
#endif
  /* The kernel's structures may be larger than this build's headers know. */
  struct seccomp_notif_sizes sizes = {0, 0, 0};
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    sizes.seccomp_notif = sizeof(struct seccomp_notif);
    sizes.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
  }
  st->req_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif : sizeof(struct seccomp_notif);
  st->resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp) ? sizes.seccomp_notif_resp
                                                                              : sizeof(struct seccomp_notif_resp);
  st->req = calloc(1, st->req_size);
  st->resp = calloc(1, st->resp_size);
  if (!st->req || !st->resp) {
    free(st->req);
    free(st->resp);
    free(st);
    return NULL;
  }
  return st;
}

/* ---- /proc/PID/status ------------------------------------------------------ */

static const char *field(const char *buf, const char *name) {
  size_t len = strlen(name);
  for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp(p, name, len) == 0) return p + len;
  return NULL;
}

static int parse_ulongs(const char *p, unsigned long *out, int n) {
  for (int i = 0; i < n; i++) {
    if (!p) return -1;
    char *end;
    out[i] = strtoul(p, &end, 10);
    if (end == p) return -1;
    p = end;
  }
  return 0;
}

/* Tgid, PPid, the uids and gids and the effective capabilities of a task. */
static int read_status(pid_t tid, struct pinfo *pi) {
  char path[64], buf[8192];
  snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
    if (got == sizeof buf - 1) break;
  }
  close(fd);
  buf[got] = '\0';
  unsigned long one[1], ids[3], gids[3];
  if (parse_ulongs(field(buf, "Tgid:"), one, 1)) return -1;
  pi->tgid = (pid_t)one[0];
  if (parse_ulongs(field(buf, "PPid:"), one, 1)) return -1;
  pi->ppid = (pid_t)one[0];
  if (parse_ulongs(field(buf, "Uid:"), ids, 3) || parse_ulongs(field(buf, "Gid:"), gids, 3)) return -1;
  memcpy(pi->uid, ids, sizeof ids);
  memcpy(pi->gid, gids, sizeof gids);
  const char *cap = field(buf, "CapEff:");
  pi->capeff = cap ? strtoull(cap, NULL, 16) : 0;
  return pi->tgid > 0 ? 0 : -1;
}

/* ---- emulated state per process -------------------------------------------- */

static int exited(const struct proc_state *p) {
  if (p->pidfd < 0) return kill(p->tgid, 0) != 0 && errno == ESRCH;
  struct pollfd pfd = {.fd = p->pidfd, .events = POLLIN};
  return poll(&pfd, 1, 0) > 0;
}

static void drop(struct fdk_nofile *st, size_t i) {
  if (st->procs[i].pidfd >= 0) close(st->procs[i].pidfd);
  st->procs[i] = st->procs[--st->nprocs];
}

/* Entries of processes that have exited go, so a pid used again starts afresh. */
static void sweep(struct fdk_nofile *st) {
  for (size_t i = 0; i < st->nprocs;)
    if (exited(&st->procs[i])) drop(st, i);
    else i++;
  st->sweep_at = st->nprocs * 2 > 64 ? st->nprocs * 2 : 64;
}

static struct proc_state *find(struct fdk_nofile *st, pid_t tgid) {
  for (size_t i = 0; i < st->nprocs; i++) {
    if (st->procs[i].tgid != tgid) continue;
    if (!exited(&st->procs[i])) return &st->procs[i];
    drop(st, i);
    return NULL;
  }
  return NULL;
}

/* The emulated limits `tgid` inherited: from itself or its nearest ancestor
 * known here, the root's start values for the root. 1 when the walk reached
 * the emulated tree, 0 when it left it (an orphan, or a process outside). */
static int inherited(struct fdk_nofile *st, pid_t tgid, struct rlim64 *out) {
  pid_t p = tgid;
  for (int depth = 0; depth < MAX_DEPTH; depth++) {
    const struct proc_state *e = find(st, p);
    if (e) {
      out->cur = e->soft;
      out->max = e->hard;
      return 1;
    }
    if (p == st->root) break;
    struct pinfo pi;
    if (p <= 1 || p == st->self || read_status(p, &pi) != 0) {
      out->cur = out->max = st->start;
      return 0;
    }
    p = pi.ppid;
  }
  out->cur = out->max = st->start;
  return 1;
}

/* Starts tracking `tgid`: its emulated limits are those it inherited, pinned
 * to what its real limits prove. A real hard limit below the root's was
 * lowered on purpose and is the emulated one; a real soft limit below the
 * real hard limit is the emulated soft limit. At the real hard limit, the
 * emulated value is at or above it, and the inherited one is the best guess. */
static struct proc_state *track(struct fdk_nofile *st, pid_t tgid) {
  struct rlim64 base, real;
  inherited(st, tgid, &base);
  /* Real limits unreadable (credentials changed): the inherited values. */
  if (sys_prlimit(tgid, NULL, &real) != 0) real = (struct rlim64){base.cur, base.max};
  uint64_t hard = real.max < st->real_hard0 ? real.max : (base.max > real.max ? base.max : real.max);
  uint64_t soft = real.cur < real.max ? real.cur : base.cur;
  if (soft < real.cur) soft = real.cur;
  if (soft > hard) soft = hard;
  if (st->nprocs >= st->sweep_at) sweep(st);
  if (st->nprocs == st->cap) {
    size_t cap = st->cap ? st->cap * 2 : 32;
    struct proc_state *grown = realloc(st->procs, cap * sizeof *grown);
    if (!grown) return NULL;
    st->procs = grown;
    st->cap = cap;
  }
  struct proc_state *e = &st->procs[st->nprocs++];
  e->tgid = tgid;
  e->pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
  e->soft = soft;
  e->hard = hard;
  return e;
}

/* The kernel's limits follow the emulated ones as far as the real hard limit
 * allows. The supervisor may do this: same credentials (the kernel's
 * prlimit permission rule), and it only ever lowers the hard limit. */
static void apply_real(pid_t tgid, const struct proc_state *e) {
  struct rlim64 cur, want;
  if (sys_prlimit(tgid, NULL, &cur) != 0) return;
  want.max = e->hard < cur.max ? e->hard : cur.max;
  want.cur = e->soft < want.max ? e->soft : want.max;
  if (want.cur != cur.cur || want.max != cur.max) sys_prlimit(tgid, &want, NULL);
}

/* ---- decoding a notification ----------------------------------------------- */

static int has_nr(const struct fdk_syscall *s, enum fdk_abi abi, uint32_t nr, int *slot) {
  for (int k = 0; k < FDK_MAX_NRS; k++)
    if (s->nr[abi][k] >= 0 && (uint32_t)s->nr[abi][k] == nr) {
      *slot = k;
      return 1;
    }
  return 0;
}

/* 0 and the operation, layout and pointer width, or -1 for a call this code
 * does not emulate (the kernel then runs it). */
static int decode(const struct seccomp_data *d, enum op *op, enum fdk_rl_layout *layout, int *compat) {
  enum fdk_abi abi;
  if (d->arch == NATIVE_ARCH) abi = ((uint32_t)d->nr & X32_SYSCALL_BIT) ? FDK_ABI_X32 : FDK_ABI_NATIVE;
  else if (d->arch == COMPAT_ARCH) abi = FDK_ABI_COMPAT;
  else return -1;
  *compat = abi == FDK_ABI_COMPAT;
  uint32_t nr = (uint32_t)d->nr;
  int slot;
  if (has_nr(fdk_syscall_by_name("prlimit64"), abi, nr, &slot)) {
    *op = OP_PRLIMIT64;
    *layout = FDK_RL_64;
    return 0;
  }
  if (has_nr(fdk_syscall_by_name("getrlimit"), abi, nr, &slot)) {
    *op = OP_GET;
    /* x32 and 64-bit share the 64-bit structure; i386 ugetrlimit (slot 0)
     * writes unsigned 32-bit limits, the old getrlimit (slot 1) clamps them. */
    *layout = !*compat ? FDK_RL_64 : slot == 0 ? FDK_RL_COMPAT : FDK_RL_COMPAT_OLD;
    return 0;
  }
  if (has_nr(fdk_syscall_by_name("setrlimit"), abi, nr, &slot)) {
    *op = OP_SET;
    *layout = *compat ? FDK_RL_COMPAT : FDK_RL_64;
    return 0;
  }
  return -1;
}

static size_t layout_size(enum fdk_rl_layout l) {
  return l == FDK_RL_64 ? 16 : 8;
}

static void to_user(enum fdk_rl_layout l, const struct rlim64 *v, unsigned char *buf) {
  if (l == FDK_RL_64) {
    memcpy(buf, &v->cur, 8);
    memcpy(buf + 8, &v->max, 8);
    return;
  }
  uint64_t top = l == FDK_RL_COMPAT ? COMPAT_RLIM_INFINITY : COMPAT_RLIM_OLD_INFINITY;
  uint32_t c = (uint32_t)(v->cur > top ? top : v->cur), m = (uint32_t)(v->max > top ? top : v->max);
  memcpy(buf, &c, 4);
  memcpy(buf + 4, &m, 4);
}

static void from_user(enum fdk_rl_layout l, const unsigned char *buf, struct rlim64 *v) {
  if (l == FDK_RL_64) {
    memcpy(&v->cur, buf, 8);
    memcpy(&v->max, buf + 8, 8);
    return;
  }
  uint32_t c, m;
  memcpy(&c, buf, 4);
  memcpy(&m, buf + 4, 4);
  v->cur = c == COMPAT_RLIM_INFINITY ? RLIM64_INF : c;
  v->max = m == COMPAT_RLIM_INFINITY ? RLIM64_INF : m;
}

/* ---- answering ------------------------------------------------------------- */

static int send_resp(int listener, struct seccomp_notif_resp *resp) {
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) == 0) return 0;
  /* ENOENT: the caller was killed, or interrupted before the answer. */
  return errno == ENOENT || errno == EINTR ? 0 : -errno;
}

/* Let the kernel run the call itself: for what this code does not emulate. */
static int let_kernel_run(struct fdk_nofile *st, int listener) {
  st->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  return send_resp(listener, st->resp);
}

static int answer_errno(struct fdk_nofile *st, int listener, int err) {
  st->resp->error = -err;
  return send_resp(listener, st->resp);
}

/* The kernel's prlimit permission: the caller itself, or a caller whose real
 * ids match all of the target's, or one with CAP_SYS_RESOURCE. */
static int may_prlimit(const struct pinfo *caller, pid_t caller_tid, const struct pinfo *target, pid_t target_tid) {
  if (caller_tid == target_tid) return 1;
  int match = 1;
  for (int i = 0; i < 3; i++)
    if (caller->uid[0] != target->uid[i] || caller->gid[0] != target->gid[i]) match = 0;
  return match || (caller->capeff >> CAP_SYS_RESOURCE_BIT) & 1;
}

static int has_cap_sys_resource(pid_t tid, const struct pinfo *known) {
  struct pinfo pi;
  if (!known) {
    if (read_status(tid, &pi) != 0) return 0;
    known = &pi;
  }
  return (int)((known->capeff >> CAP_SYS_RESOURCE_BIT) & 1);
}

static int valid(int listener, uint64_t id) {
  return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int fdk_nofile_answer(struct fdk_nofile *st, int listener) {
  memset(st->req, 0, st->req_size);
  if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, st->req) != 0)
    return errno == EINTR || errno == ENOENT ? 0 : -errno;
  memset(st->resp, 0, st->resp_size);
  st->resp->id = st->req->id;
  const struct seccomp_data *d = &st->req->data;
  pid_t tid = (pid_t)st->req->pid;

  enum op op;
  enum fdk_rl_layout layout;
  int compat;
  if (decode(d, &op, &layout, &compat) != 0) return let_kernel_run(st, listener);
  if (st->x32_absent && d->arch == NATIVE_ARCH && ((uint32_t)d->nr & X32_SYSCALL_BIT)) return let_kernel_run(st, listener);
  uint64_t mask = compat ? 0xffffffffULL : ~0ULL;
  pid_t pid_arg = 0;
  uint32_t resource;
  uint64_t newp = 0, oldp = 0;
  if (op == OP_PRLIMIT64) {
    pid_arg = (pid_t)(int32_t)d->args[0];
    resource = (uint32_t)d->args[1];
    newp = d->args[2] & mask;
    oldp = d->args[3] & mask;
  } else {
    resource = (uint32_t)d->args[0];
    if (op == OP_GET) oldp = d->args[1] & mask;
    else newp = d->args[1] & mask;
  }
  if (resource != RLIMIT_NOFILE_RESOURCE) return let_kernel_run(st, listener);

  /* A caller whose tid is a known process's pid is that process's main
   * thread: no need to read its status. Its credentials are read only when a
   * check needs them (another process named, a hard limit raised). */
  struct pinfo caller;
  int have_caller = 0;
  pid_t caller_tgid = tid;
  if (!find(st, tid)) {
    if (read_status(tid, &caller) != 0) return let_kernel_run(st, listener); /* gone already */
    have_caller = 1;
    caller_tgid = caller.tgid;
  }

  /* The caller's memory through a descriptor that stays bound to this
   * process even if it dies and its pid is used again; the notification id
   * checked after the read proves the values came from the caller while it
   * was still waiting in this call. */
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mem", (int)tid);
  int mem = -1;
  if (newp || oldp) {
    mem = open(path, O_RDWR | O_CLOEXEC);
    /* Not dumpable, or ptrace refused: the kernel answers with real values. */
    if (mem < 0) return let_kernel_run(st, listener);
  }
  unsigned char buf[16];
  size_t len = layout_size(layout);
  int read_err = 0;
  struct rlim64 want = {0, 0};
  if (newp) {
    if (pread(mem, buf, len, (off_t)newp) != (ssize_t)len) read_err = EFAULT;
    else from_user(layout, buf, &want);
  }
  if (!valid(listener, st->req->id)) {
    if (mem >= 0) close(mem);
    return 0;
  }

  int err = read_err;
  pid_t target_tgid = caller_tgid;
  if (!err && pid_arg != 0 && !have_caller) {
    if (read_status(tid, &caller) != 0) {
      if (mem >= 0) close(mem);
      return let_kernel_run(st, listener);
    }
    have_caller = 1;
  }
  if (!err && pid_arg != 0) {
    struct pinfo target;
    if (pid_arg < 0 || read_status(pid_arg, &target) != 0) {
      err = ESRCH;
    } else if (!may_prlimit(&caller, tid, &target, pid_arg)) {
      err = EPERM;
    } else {
      struct rlim64 ignored;
      if (!find(st, target.tgid) && !inherited(st, target.tgid, &ignored)) {
        /* Outside the emulated tree: its limits are real. */
        if (mem >= 0) close(mem);
        return let_kernel_run(st, listener);
      }
      target_tgid = target.tgid;
    }
  }
  struct proc_state *e = NULL;
  if (!err) {
    e = find(st, target_tgid);
    if (!e) e = track(st, target_tgid);
    if (!e) err = ENOMEM;
  }
  struct rlim64 old = {0, 0};
  if (!err) {
    old.cur = e->soft;
    old.max = e->hard;
    if (newp) {
      if (want.cur > want.max) err = EINVAL;
      else if (want.max > st->start) err = EPERM;
      else if (want.max > e->hard && !has_cap_sys_resource(tid, have_caller ? &caller : NULL)) err = EPERM;
      else {
        e->soft = want.cur;
        e->hard = want.max;
        apply_real(target_tgid, e);
      }
    }
  }
  if (!err && oldp) {
    to_user(layout, &old, buf);
    if (pwrite(mem, buf, len, (off_t)oldp) != (ssize_t)len) err = EFAULT;
  }
  if (mem >= 0) close(mem);
  return err ? answer_errno(st, listener, err) : send_resp(listener, st->resp);
}

/* Running a program under an emulated RLIMIT_NOFILE (huge-nofile).
 *
 * The filter's notify rules need a supervisor outside the filter. The wrapper
 * is that supervisor: it forks, the child applies the personality, installs
 * the filter with a listener, hands the listener up over a socketpair and
 * execs PROGRAM; the wrapper answers the rlimit calls until its child exits,
 * then leaves with the child's status (main.c re-raises a fatal signal).
 *
 * Lifetime, so nothing is left behind and nothing hangs:
 * - the child and the wrapper share the process group they were started in:
 *   killing that group kills both;
 * - the child has PR_SET_PDEATHSIG(SIGKILL): a wrapper killed alone takes the
 *   program with it, as if the wrapper's pid were the program's own;
 * - when the wrapper goes, the listener closes and the kernel fails every
 *   waiting and later notified call with ENOSYS: descendants that outlive
 *   the program are never stuck in a call, they just lose the emulation;
 * - HUP, INT, QUIT, TERM, USR1, USR2, ALRM and WINCH sent to the wrapper
 *   alone are passed on to the program (a signal sent to the whole group
 *   reaches the program twice; one from the terminal is not passed on).
 *
 * The child starts from the wrapper's own state: the signal mask and SIGCHLD
 * disposition the wrapper changes for itself are put back before exec. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH};

static int send_fd(int sock, int fd) {
  char byte = 'L';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == 1 ? 0 : -1;
}

/* The listener, or -1 when the child ended before sending one. */
static int recv_fd(int sock) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n != 1) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
    return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

struct child_setup {
  const struct fdk_plan *plan;
  const char *as;
  char **argv;
  int sock;
  pid_t parent;
  sigset_t mask;
  int chld_ignored;
};

static void child_main(const struct child_setup *s) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != s->parent) _exit(EXIT_UNAVAILABLE);
  /* The emulated soft limit starts above the real hard one: the real soft
   * limit sits at min(emulated, real hard), so fd allocation stays real. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rlim_t want = (rlim_t)s->plan->nofile < rl.rlim_max ? (rlim_t)s->plan->nofile : rl.rlim_max;
    if (rl.rlim_cur != want) {
      rl.rlim_cur = want;
      setrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  int listener;
  int rc = fdk_apply(s->plan, s->as, &listener);
  if (rc) _exit(rc);
  if (send_fd(s->sock, listener) != 0) {
    fprintf(stderr, "%s: personality '%s' is unavailable here: cannot hand the seccomp listener to the supervisor: %s\n",
            prog_name, s->as, strerror(errno));
    _exit(EXIT_UNAVAILABLE);
  }
  close(listener);
  close(s->sock);
  if (s->chld_ignored) signal(SIGCHLD, SIG_IGN);
  sigprocmask(SIG_SETMASK, &s->mask, NULL);
  _exit(fdk_exec(s->argv));
}

/* Drains the signalfd: reaps the child when it has exited (returns 1 with
 * *status set), passes other signals on. */
static int on_signals(int sfd, pid_t child, int *status) {
  struct signalfd_siginfo si;
  int done = 0;
  while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
    if ((int)si.ssi_signo == SIGCHLD) continue;
    /* From the terminal (SI_KERNEL) the whole foreground group got it. */
    if (si.ssi_code == SI_KERNEL || (pid_t)si.ssi_pid == child) continue;
    kill(child, (int)si.ssi_signo);
  }
  pid_t r;
  do r = waitpid(child, status, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == child && (WIFEXITED(*status) || WIFSIGNALED(*status))) done = 1;
  return done;
}

int fdk_run_supervised(const struct fdk_plan *plan, const char *as, char **argv) {
  sigset_t watch, orig;
  sigemptyset(&watch);
  sigaddset(&watch, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&watch, forwarded[i]);
  struct sigaction chld;
  sigaction(SIGCHLD, NULL, &chld);
  int chld_ignored = chld.sa_handler == SIG_IGN;
  /* With SIGCHLD ignored the child would be reaped by the kernel and its
   * status lost; the child gets the ignored disposition back before exec. */
  if (chld_ignored) signal(SIGCHLD, SIG_DFL);
  sigprocmask(SIG_BLOCK, &watch, &orig);

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    fprintf(stderr, "%s: personality '%s' is unavailable here: socketpair failed: %s\n", prog_name, as, strerror(errno));
    return -1;
  }
  struct child_setup setup = {plan, as, argv, sv[1], getpid(), orig, chld_ignored};
  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "%s: personality '%s' is unavailable here: fork failed: %s\n", prog_name, as, strerror(errno));
    return -1;
  }
  if (child == 0) {
    close(sv[0]);
    child_main(&setup);
  }
  close(sv[1]);
  /* One pidfd per emulated process that is alive: the supervisor's own soft
   * limit (1024 when a sealed launcher started it) is no bound worth having.
   * Its own limit is its own: the program's was set before exec. */
  struct rlimit own;
  if (getrlimit(RLIMIT_NOFILE, &own) == 0 && own.rlim_cur < own.rlim_max) {
    own.rlim_cur = own.rlim_max;
    setrlimit(RLIMIT_NOFILE, &own);
  }
  int listener = recv_fd(sv[0]);
  close(sv[0]);

  int status = 0;
  /* 6.6+: the answer switches straight to the waiting caller on this CPU
   * instead of waking it wherever it sleeps; a call costs a few microseconds
   * less. Older kernels refuse the flag, which changes nothing else. */
  if (listener >= 0) ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (unsigned long long)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
  int sfd = signalfd(-1, &watch, SFD_CLOEXEC | SFD_NONBLOCK);
  struct fdk_nofile *st = listener >= 0 ? fdk_nofile_new(plan->nofile, child) : NULL;
  if (listener >= 0 && (sfd < 0 || !st)) {
    fprintf(stderr, "%s: personality '%s' is unavailable here: cannot supervise: %s\n", prog_name, as,
            strerror(errno));
    kill(child, SIGKILL);
    close(listener);
    listener = -1;
  }
  if (listener < 0) {
    /* The child failed before exec (its reason is on stderr) or was killed:
     * its own status says which. */
    pid_t r;
    do r = waitpid(child, &status, 0);
    while (r < 0 && errno == EINTR);
    if (sfd >= 0) close(sfd);
    return r == child ? status : -1;
  }

  for (;;) {
    struct pollfd p[2] = {{.fd = listener, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "%s: supervising '%s' failed: poll: %s\n", prog_name, as, strerror(errno));
      kill(child, SIGKILL);
      while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    if (p[0].revents & POLLIN) {
      if (fdk_nofile_answer(st, listener) < 0) {
        /* The listener is broken: closing it fails pending calls (ENOSYS)
         * instead of leaving them waiting. */
        close(listener);
        listener = -1;
      }
    } else if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
      /* No process uses the filter any more; the child is about to be reaped. */
      listener = listener >= 0 ? (close(listener), -1) : -1;
    }
    if ((p[1].revents & POLLIN) && on_signals(sfd, child, &status)) break;
  }
  if (listener >= 0) close(listener);
  close(sfd);
  return status;
}

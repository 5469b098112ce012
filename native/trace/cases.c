/*
 * fdaudit-trace-cases CASE [ARG]...: process shapes the tracer must follow,
 * for its tests. Each case exits 0 when it behaved as it does untraced, so
 * the same command is its own control outside the tracer.
 *
 *   thread-exec PROG [ARG]...  a second thread calls execv (the tid changes to the tgid)
 *   self-exec N PROG [ARG]...  execs itself N times, then PROG
 *   spawn PROG [ARG]...        posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)), waits, exits with its status
 *   vfork PROG [ARG]...        vfork + execv, waits, exits with its status
 *   fail-exec PROG [ARG]...    an execv that fails (ENOENT), then execv PROG in the same process
 *   open FD PATH PROG [ARG]... opens PATH (read-only, inheritable) at FD, then execv PROG
 *   group-stop                 a child stops itself with SIGSTOP; the parent must see the stop (WUNTRACED),
 *                              continues it with SIGCONT and sees it exit 7
 *   handled-signal             raises SIGUSR1 with a handler installed; the handler must run
 *   threads N PROG [ARG]...    starts N threads, then fork+execv PROG from one of them and waits
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int status_code(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

static int wait_for(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return 127;
  return status_code(st);
}

static char **exec_argv;

static void *exec_from_thread(void *arg) {
  (void)arg;
  execv(exec_argv[0], exec_argv);
  perror("execv");
  _exit(127);
}

static volatile sig_atomic_t handled;
static void on_usr1(int sig) {
  (void)sig;
  handled = 1;
}

static void *idle_thread(void *arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

struct fork_exec {
  char **argv;
  int code;
};

static void *fork_exec_thread(void *arg) {
  struct fork_exec *fe = arg;
  pid_t pid = fork();
  if (pid == 0) {
    execv(fe->argv[0], fe->argv);
    _exit(127);
  }
  fe->code = pid < 0 ? 127 : wait_for(pid);
  return NULL;
}

static int usage(void) {
  fprintf(stderr, "usage: fdaudit-trace-cases CASE [ARG]... (cases listed in cases.c)\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const char *c = argv[1];

  if (strcmp(c, "thread-exec") == 0 && argc >= 3) {
    exec_argv = argv + 2;
    pthread_t t;
    if (pthread_create(&t, NULL, exec_from_thread, NULL) != 0) return 1;
    for (;;) pause(); /* the exec in the other thread ends this thread */
  }
  if (strcmp(c, "self-exec") == 0 && argc >= 4) {
    int n = atoi(argv[2]);
    if (n <= 0) {
      execv(argv[3], argv + 3);
      perror("execv");
      return 127;
    }
    char count[16];
    snprintf(count, sizeof count, "%d", n - 1);
    argv[2] = count;
    execv("/proc/self/exe", argv);
    perror("execv /proc/self/exe");
    return 127;
  }
  if (strcmp(c, "spawn") == 0 && argc >= 3) {
    pid_t pid;
    int rc = posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ);
    if (rc != 0) {
      fprintf(stderr, "posix_spawn: %s\n", strerror(rc));
      return 127;
    }
    return wait_for(pid);
  }
  if (strcmp(c, "vfork") == 0 && argc >= 3) {
    pid_t pid = vfork();
    if (pid == 0) {
      execv(argv[2], argv + 2);
      _exit(127);
    }
    return pid < 0 ? 127 : wait_for(pid);
  }
  if (strcmp(c, "fail-exec") == 0 && argc >= 3) {
    char *none[] = {"/nonexistent/fdaudit-no-such-program", NULL};
    execv(none[0], none);
    if (errno != ENOENT) return 1;
    execv(argv[2], argv + 2);
    perror("execv");
    return 127;
  }
  if (strcmp(c, "open") == 0 && argc >= 5) {
    int want = atoi(argv[2]);
    int fd = open(argv[3], O_RDONLY);
    if (fd < 0 || (fd != want && dup2(fd, want) != want)) {
      perror("open");
      return 1;
    }
    if (fd != want) close(fd);
    execv(argv[4], argv + 4);
    perror("execv");
    return 127;
  }
  if (strcmp(c, "group-stop") == 0) {
    pid_t pid = fork();
    if (pid == 0) {
      raise(SIGSTOP);
      _exit(7);
    }
    int st;
    if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
      fprintf(stderr, "group-stop: the child's stop was not seen (status %#x)\n", st);
      kill(pid, SIGKILL);
      return 1;
    }
    kill(pid, SIGCONT);
    int code = wait_for(pid);
    if (code != 7) {
      fprintf(stderr, "group-stop: the child ended with %d, not 7\n", code);
      return 1;
    }
    return 0;
  }
  if (strcmp(c, "handled-signal") == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    if (!handled) {
      fprintf(stderr, "handled-signal: the SIGUSR1 handler did not run\n");
      return 1;
    }
    return 0;
  }
  if (strcmp(c, "threads") == 0 && argc >= 4) {
    int n = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
      pthread_t t;
      if (pthread_create(&t, NULL, idle_thread, NULL) != 0) return 1;
    }
    struct fork_exec fe = {argv + 3, 127};
    pthread_t t;
    if (pthread_create(&t, NULL, fork_exec_thread, &fe) != 0) return 1;
    pthread_join(t, NULL);
    return fe.code;
  }
  return usage();
}

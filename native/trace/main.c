/*
 * fdaudit-trace [--report PATH|-] [--report-fd N] [--pass FD]... [--parent PID] [--] COMMAND [ARG]...
 *
 * Starts COMMAND sealed (fds 0, 1, 2 and the --pass fds only; every signal
 * disposition back to default; soft RLIMIT_NOFILE at most 1024, all by the
 * launcher core's own child steps) and follows its process tree with
 * ptrace. At each successful execve it writes one JSON line saying what the
 * new program inherited (record.c); at the end one line with COMMAND's exit
 * status and the tracer's own costs.
 *
 * Only fork, vfork, clone and exec events stop a tracee (PTRACE_O_TRACE*),
 * never a syscall, so untraced work runs at full speed. Signals are handed
 * back as they came, and group stops are left in place with PTRACE_LISTEN,
 * so job control behaves as without a tracer. PTRACE_O_EXITKILL: if the
 * tracer dies, by any signal, every tracee is killed; nothing is left stopped
 * or traced. With --parent PID the tracer also dies with the process that
 * started it (PR_SET_PDEATHSIG), so killing fdaudit takes the tree along.
 *
 * When COMMAND itself exits, the tracer detaches from whatever it started
 * that is still running (PTRACE_INTERRUPT, then PTRACE_DETACH with any
 * signal that was on its way) and ends: a daemon left behind runs on,
 * untraced, and does not keep the trace open.
 *
 * Exit status: 0 the trace is complete (COMMAND's status is in the end
 * record), 1 the tracer failed, 2 usage error, 3 ptrace was refused, 4
 * COMMAND could not be started. Messages for 3 and 4 also go to the report
 * as an "error" record.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch/child.h"
#include "launch/launch.h"
#include "trace.h"

#define NAME "fdaudit-trace"
#define EXIT_TRACER 1
#define EXIT_USAGE 2
#define EXIT_REFUSED 3
#define EXIT_NOT_STARTED 4

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

extern char **environ;

static const long TRACE_OPTIONS = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                                  PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;

static struct timespec started;
static pid_t root_pid;
static int root_status = -1;
static struct image *tracer_image;
static unsigned long exec_seq;
static unsigned long execs_recorded, execs_unreadable, detached;
static int detaching;
static int errors_to_stderr = 1;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - started.tv_sec) * 1e3 + (double)(t.tv_nsec - started.tv_nsec) / 1e6;
}

/* ---------------------------------------------------------------- messages */

static void error_record(const char *kind, const char *msg) {
  out_s("{\"event\":\"error\",\"kind\":");
  out_str(kind);
  out_s(",\"message\":");
  out_str(msg);
  out_s("}\n");
  out_flush();
  if (errors_to_stderr) fprintf(stderr, NAME ": %s\n", msg);
}

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, NAME ": ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see --help)\n");
  return EXIT_USAGE;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: " NAME " [--report PATH|-] [--report-fd N] [--pass FD]... [--parent PID] [--] COMMAND [ARG]...\n"
          "\n"
          "Runs COMMAND sealed (fds 0, 1, 2 and the --pass fds; default signal dispositions; soft\n"
          "RLIMIT_NOFILE at most 1024) and follows its process tree with ptrace. At every successful\n"
          "execve one JSON line (\"event\":\"exec\") says what the new program inherited: its fds as\n"
          "fdaudit-probe describes them, RLIMIT_NOFILE, the blocked and ignored signal masks, the\n"
          "program, argv, and the process and program that started it. The last line (\"end\")\n"
          "carries COMMAND's exit status.\n"
          "\n"
          "  --report PATH|-  write the records to PATH (default: - for stdout)\n"
          "  --report-fd N    write the records to fd N (errors then go there only)\n"
          "  --pass FD        pass FD to COMMAND at its own number (repeatable)\n"
          "  --parent PID     die with PID, which started this tracer (the tree is killed then)\n"
          "\n"
          "Exit status: 0 trace complete, 1 tracer failure, 2 usage error, 3 ptrace refused,\n"
          "4 COMMAND could not be started.\n");
}

/* ---------------------------------------------------------------- command lookup */

/* execvp's search, done before anything starts so that a missing program is a plain error. */
static int resolve(const char *file, char *out, size_t size) {
  if (strchr(file, '/')) {
    if (snprintf(out, size, "%s", file) >= (int)size) return ENAMETOOLONG;
    return 0;
  }
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/bin:/bin"; /* glibc's _PATH_DEFPATH, as src/launch/resolve.ts */
  int err = ENOENT;
  for (const char *p = path;;) {
    const char *colon = strchr(p, ':');
    size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
    int n = dlen ? snprintf(out, size, "%.*s/%s", (int)dlen, p, file) : snprintf(out, size, "%s", file);
    if (n > 0 && (size_t)n < size) {
      struct stat st;
      if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
        if (access(out, X_OK) == 0) return 0;
        err = EACCES;
      }
    }
    if (!colon) break;
    p = colon + 1;
  }
  return err;
}

/* ---------------------------------------------------------------- resuming */

static void resume(pid_t tid, int sig) {
  /* ESRCH: killed meanwhile (SIGKILL needs no stop); its exit comes through waitpid. */
  ptrace(PTRACE_CONT, tid, 0L, (long)sig);
}

static int is_stop_signal(int sig) { return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU; }

static void detach_task(struct task *t, int sig) {
  ptrace(PTRACE_DETACH, t->tid, 0L, (long)sig);
  detached++;
  task_remove(t);
}

/* ---------------------------------------------------------------- events */

static const char *via_name(int via) {
  switch (via) {
  case VIA_FORK: return "fork";
  case VIA_VFORK: return "vfork";
  case VIA_CLONE: return "clone";
  default: return "spawn";
  }
}

/* A clone event may start a thread or a process; a thread is listed in its process's task directory. */
static int is_thread_of(pid_t tgid, pid_t tid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task/%d", (int)tgid, (int)tid);
  return access(path, F_OK) == 0;
}

static void on_fork(struct task *parent, int event) {
  unsigned long msg = 0;
  if (ptrace(PTRACE_GETEVENTMSG, parent->tid, 0L, &msg) != 0) return;
  pid_t tid = (pid_t)msg;
  struct task *c = task_find(tid);
  int waiting = c && c->state == TASK_WAIT_PARENT;
  if (!c) c = task_add(tid);
  if (!c) return; /* out of memory: the child runs on; it is still traced and will be resumed at its stop */
  if (event == PTRACE_EVENT_CLONE && is_thread_of(parent->tgid, tid)) {
    c->tgid = parent->tgid;
    c->parent_pid = parent->parent_pid;
    c->parent_image = image_ref(parent->parent_image);
    c->own_image = parent->own_image;
    c->via = parent->via;
  } else {
    c->tgid = tid;
    c->parent_pid = parent->tgid;
    c->parent_image = image_ref(parent->image);
    c->own_image = 0;
    c->via = event == PTRACE_EVENT_VFORK ? VIA_VFORK : event == PTRACE_EVENT_CLONE ? VIA_CLONE : VIA_FORK;
  }
  c->image = image_ref(parent->image);
  if (waiting) {
    c->state = TASK_RUNNING;
    int sig = c->pending_sig;
    c->pending_sig = 0;
    if (detaching) detach_task(c, sig);
    else resume(tid, sig);
  } else {
    c->state = TASK_NEW;
  }
}

/*
 * The exec stop. When a thread other than the leader called execve, the
 * kernel has already given it the thread group id and removed the old
 * leader; the entry of the thread that exec'd (the "former" tid) takes the
 * leader's place.
 */
static struct task *on_exec(struct task *t) {
  unsigned long msg = 0;
  pid_t former = t->tid;
  if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0L, &msg) == 0) former = (pid_t)msg;
  if (former != t->tid) {
    struct task *f = task_find(former);
    if (f) {
      pid_t tid = t->tid;
      task_remove(t);
      task_rename(f, tid);
      t = f;
    }
  }
  struct exec_info info = {
      .id = exec_seq + 1,
      .pid = t->tid,
      .former_tid = former,
      .parent_pid = t->parent_pid,
      .parent_id = t->own_image ? (t->image ? t->image->id : 0) : (t->parent_image ? t->parent_image->id : 0),
      .parent_program = t->own_image ? (t->image ? t->image->path : "") : (t->parent_image ? t->parent_image->path : ""),
      .via = t->own_image ? "exec" : via_name(t->via),
      .time_ms = now_ms(),
  };
  /* Before the record: "parent" of a second exec in one process is the image it replaces. */
  static char program[PATH_MAX + 1];
  int rc = record_exec(&info, program, sizeof program);
  if (rc != 0) {
    /* Gone before it could be read (killed in its exec stop): nothing to record. */
    execs_unreadable++;
    return t;
  }
  exec_seq++;
  execs_recorded++;
  struct image *im = image_new(info.id, program);
  if (im) {
    image_unref(t->image);
    t->image = im;
    t->own_image = 1;
  }
  return t;
}

static void on_stop(pid_t tid, int status) {
  int sig = WSTOPSIG(status);
  int event = (unsigned)status >> 16;
  struct task *t = task_find(tid);
  if (!t) {
    /* A new child stopped before its parent's fork event: hold it until that event says who it is. */
    t = task_add(tid);
    if (!t) {
      resume(tid, event ? 0 : sig);
      return;
    }
    t->state = TASK_WAIT_PARENT;
    t->pending_sig = event ? 0 : sig;
    if (detaching) detach_task(t, t->pending_sig);
    return;
  }
  if (detaching) {
    /* A fork event now still brings a traced child: it is detached at its own stop. */
    if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) on_fork(t, event);
    detach_task(t, event ? 0 : sig);
    return;
  }
  switch (event) {
  case PTRACE_EVENT_FORK:
  case PTRACE_EVENT_VFORK:
  case PTRACE_EVENT_CLONE:
    on_fork(t, event);
    resume(tid, 0);
    break;
  case PTRACE_EVENT_EXEC:
    t = on_exec(t);
    resume(t->tid, 0);
    break;
  case PTRACE_EVENT_STOP:
    if (t->state == TASK_NEW) {
      /* The stop every auto-attached child starts with. */
      t->state = TASK_RUNNING;
      resume(tid, 0);
    } else if (is_stop_signal(sig)) {
      /* A group stop: stay stopped as an untraced process would, and hear of SIGCONT. */
      ptrace(PTRACE_LISTEN, tid, 0L, 0L);
    } else {
      resume(tid, 0);
    }
    break;
  case 0:
    resume(tid, sig); /* signal-delivery stop: hand the signal on */
    break;
  default:
    resume(tid, 0);
    break;
  }
}

static void interrupt_task(struct task *t, void *arg) {
  (void)arg;
  if (t->state == TASK_WAIT_PARENT) {
    detach_task(t, t->pending_sig);
    return;
  }
  if (ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L) != 0 && errno == ESRCH) {
    /* Gone already (its exit is on its way) or not ours any more. */
    task_remove(t);
  }
}

/* COMMAND has exited: let go of everything it left running. */
static void start_detaching(void) {
  detaching = 1;
  task_each(interrupt_task, NULL);
}

/* ---------------------------------------------------------------- the root */

struct root_launch {
  struct fda_plan plan;
  struct fda_child child;
  struct fda_child_report *report;
  int stdio[3];
  int *keep;
  int go[2]; /* the child waits on go[0] until the tracer has seized it */
};

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Creates the child; it blocks until released. Returns its pid, or -1 with errno. */
static pid_t start_root(struct root_launch *r, const char *file, char **argv, int *pass, int npass) {
  for (int i = 0; i < 3; i++) r->stdio[i] = fcntl(i, F_GETFD) >= 0 ? i : -1;
  qsort(pass, (size_t)npass, sizeof *pass, cmp_int);
  r->keep = pass;
  r->plan = (struct fda_plan){
      .file = file,
      .argv = argv,
      .envp = environ,
      .stdio = r->stdio,
      .nstdio = 3,
      .keep = pass,
      .nkeep = npass,
      .seal = 1,
      .strategy = FDA_CLOSE_AUTO,
      .rlimit_mode = FDA_RLIMIT_FD_SETSIZE,
  };
  sigemptyset(&r->plan.child_mask);
  sigemptyset(&r->plan.child_ignore);
  r->report = mmap(NULL, sizeof *r->report, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (r->report == MAP_FAILED) return -1;
  if (fda_child_prepare(&r->child, &r->plan, r->report) != 0) return -1;
  if (pipe2(r->go, O_CLOEXEC) != 0) return -1;

  sigset_t old;
  /* No handler of the tracer may run in the child before the core resets them. */
  fda_signals_block_all(&old);
  pid_t pid = fork();
  if (pid == 0) {
    close(r->go[1]);
    char byte;
    ssize_t n;
    do n = read(r->go[0], &byte, 1);
    while (n < 0 && errno == EINTR);
    /* EOF: the tracer is gone or gave up; exec nothing untraced. */
    if (n != 1) _exit(127);
    fda_child_main(&r->child);
  }
  int saved = errno;
  fda_signals_restore(&old);
  close(r->go[0]);
  if (pid < 0) {
    close(r->go[1]);
    errno = saved;
  }
  return pid;
}

static void release_root(struct root_launch *r) {
  char byte = 'g';
  while (write(r->go[1], &byte, 1) < 0 && errno == EINTR) {}
  close(r->go[1]);
}

static void abandon_root(struct root_launch *r, pid_t pid) {
  close(r->go[1]);
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
}

/* ---------------------------------------------------------------- main */

static const char *signal_name(int sig, char *buf, size_t size) {
  static const char *const names[32] = {
      [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
      [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
      [SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
      [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
      [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
      [SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
      [SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
      [SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",   [SIGSYS] = "SIGSYS",
#ifdef SIGSTKFLT
      [SIGSTKFLT] = "SIGSTKFLT",
#endif
  };
  if (sig > 0 && sig < 32 && names[sig]) return names[sig];
  if (sig == 34) return "SIGRTMIN";
  if (sig > 34) snprintf(buf, size, "SIGRTMIN+%d", sig - 34);
  else snprintf(buf, size, "SIG%d", sig);
  return buf;
}

/*
 * Peak resident memory of the tracer's own image, in KiB. Not getrusage's
 * ru_maxrss: that survives execve and would report the parent's peak when
 * the tracer was started by vfork from a large process (as Node starts it).
 */
static long own_peak_rss_kib(void) {
  char text[8192];
  if (read_small("/proc/self/status", text, sizeof text) < 0) return -1;
  const char *v = status_field(text, "VmHWM");
  return v ? strtol(v, NULL, 10) : -1;
}

static void end_record(void) {
  out_s("{\"event\":\"end\",\"status\":");
  if (root_status < 0) {
    out_s("null");
  } else if (WIFEXITED(root_status)) {
    out_f("{\"code\":%d,\"signal\":null}", WEXITSTATUS(root_status));
  } else {
    char buf[16];
    out_s("{\"code\":null,\"signal\":");
    out_str(signal_name(WTERMSIG(root_status), buf, sizeof buf));
    out_s("}");
  }
  out_f(",\"execs\":%lu,\"unreadable\":%lu,\"peakTasks\":%zu,\"detached\":%lu,\"maxRssKiB\":%ld,\"durationMs\":%.3f}\n",
        execs_recorded, execs_unreadable, task_peak(), detached, own_peak_rss_kib(), now_ms());
  out_flush();
}

static int parse_int(const char *s, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 0 || v > INT_MAX) return -1;
  *out = (int)v;
  return 0;
}

int main(int argc, char **argv) {
  clock_gettime(CLOCK_MONOTONIC, &started);
  const char *report = "-";
  int report_fd = -1;
  int parent = -1;
  int *pass = calloc((size_t)argc, sizeof *pass);
  int npass = 0;
  if (!pass) return EXIT_TRACER;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] == '\0') break;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    }
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--report") == 0) {
      if (!value || !*value) return usage_error("%s needs a PATH (or - for stdout)", a);
      report = value;
    } else if (strcmp(a, "--report-fd") == 0 || strcmp(a, "--pass") == 0 || strcmp(a, "--parent") == 0) {
      int v;
      if (!value || parse_int(value, &v) != 0) return usage_error("%s needs a non-negative number", a);
      if (strcmp(a, "--report-fd") == 0) {
        if (fcntl(v, F_GETFD) < 0) return usage_error("--report-fd %s: that fd is not open", value);
        report_fd = v;
      } else if (strcmp(a, "--pass") == 0) {
        if (v <= 2) return usage_error("--pass %s: fds 0, 1 and 2 are passed anyway", value);
        if (fcntl(v, F_GETFD) < 0) return usage_error("--pass %s: that fd is not open", value);
        pass[npass++] = v;
      } else {
        parent = v;
      }
    } else {
      return usage_error("unknown option '%s'", a);
    }
    i++;
  }
  if (i >= argc) return usage_error("%s", "no COMMAND given");

  if (report_fd >= 0) {
    fcntl(report_fd, F_SETFD, FD_CLOEXEC);
    errors_to_stderr = 0;
  } else if (strcmp(report, "-") == 0) {
    report_fd = STDOUT_FILENO;
  } else {
    report_fd = open(report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
    if (report_fd < 0) {
      fprintf(stderr, NAME ": cannot open report file '%s': %s\n", report, strerror(errno));
      return EXIT_USAGE;
    }
  }
  for (int p = 0; p < npass; p++)
    if (pass[p] == report_fd) return usage_error("%s", "--pass names the report's own fd");
  out_init(report_fd);

  if (parent > 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* The parent may have died before the request: then nobody would kill us. */
    if (getppid() != (pid_t)parent) return EXIT_TRACER;
  }
  /* Ctrl-C reaches COMMAND's process group as it would without fdaudit; the tracer stays to report. */
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);

  if (access("/proc/self/fd", R_OK) != 0) {
    error_record("proc", "/proc is not mounted (or hidden): the tracer reads each exec'd process's fds from "
                         "/proc/PID. Fix: run with /proc mounted");
    return EXIT_TRACER;
  }

  static char file[PATH_MAX + 1];
  int rerr = resolve(argv[i], file, sizeof file);
  if (rerr) {
    char msg[PATH_MAX + 128];
    snprintf(msg, sizeof msg, "cannot run '%s': %s", argv[i],
             rerr == ENOENT ? "not found (no such file, or not on PATH)" : strerror(rerr));
    error_record("launch", msg);
    return EXIT_NOT_STARTED;
  }

  static char self_exe[PATH_MAX + 1];
  ssize_t n = readlink("/proc/self/exe", self_exe, PATH_MAX);
  self_exe[n > 0 ? n : 0] = '\0';
  tracer_image = image_new(0, n > 0 ? self_exe : NAME);

  static struct root_launch root;
  pid_t pid = start_root(&root, file, argv + i, pass, npass);
  if (pid < 0) {
    char msg[256];
    snprintf(msg, sizeof msg, "cannot start the command: %s", strerror(errno));
    error_record("launch", msg);
    return EXIT_TRACER;
  }
  if (ptrace(PTRACE_SEIZE, pid, 0L, TRACE_OPTIONS) != 0) {
    int err = errno;
    char msg[1024];
    explain_refusal(pid, err, msg, sizeof msg);
    abandon_root(&root, pid);
    error_record("refused", msg);
    return EXIT_REFUSED;
  }
  root_pid = pid;
  struct task *t = task_add(pid);
  if (!t) return EXIT_TRACER;
  t->state = TASK_RUNNING;
  t->via = VIA_ROOT;
  t->parent_pid = getpid();
  t->image = image_ref(tracer_image);
  t->parent_image = image_ref(tracer_image);
  out_f("{\"event\":\"start\",\"tracer\":%d,\"pid\":%d,\"program\":", (int)getpid(), (int)pid);
  out_str(file);
  out_s("}\n");
  release_root(&root);

  for (;;) {
    int status;
    pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);
    if (tid == 0) {
      /* About to block: whatever is buffered goes out now, so readers see execs as they happen. */
      out_flush();
      tid = waitpid(-1, &status, __WALL);
    }
    if (tid < 0) {
      if (errno == EINTR) continue;
      break; /* ECHILD: no child and no tracee left */
    }
    if (WIFSTOPPED(status)) {
      on_stop(tid, status);
    } else if (WIFEXITED(status) || WIFSIGNALED(status)) {
      struct task *gone = task_find(tid);
      if (gone) task_remove(gone);
      if (tid == root_pid) {
        root_status = status;
        if (!detaching) start_detaching();
      }
    }
    if (detaching && task_count() == 0) break;
  }

  /* A child that never reached execve left its reason in the shared report. */
  if (root.report->step != FDA_STEP_NONE) {
    char msg[PATH_MAX + 128];
    snprintf(msg, sizeof msg, "cannot run '%s': %s failed: %s", file, fda_step_name(root.report->step),
             strerror(root.report->err));
    error_record("launch", msg);
    end_record();
    return EXIT_NOT_STARTED;
  }
  end_record();
  if (out_error()) return EXIT_TRACER;
  return 0;
}

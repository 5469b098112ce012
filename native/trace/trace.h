/*
 * fdaudit-trace: follows a command's process tree with ptrace and reports,
 * at every successful execve, what the new program inherited.
 *
 * The tracer stops its tracees only at fork/vfork/clone/exec events (and at
 * the signal and group stops ptrace cannot avoid), never at syscalls. State
 * is kept per live task and per program image, and freed when the task is
 * gone: memory follows the number of live processes, not of execs. Exec
 * records are streamed out as JSON lines as they happen.
 */
#ifndef FDAUDIT_TRACE_H
#define FDAUDIT_TRACE_H

#include <stddef.h>
#include <sys/types.h>

/* ---------------------------------------------------------------- images */

/*
 * A program image: what one exec put in place, shared (reference-counted)
 * by every task running it and by the children forked from it until they
 * exec themselves, which remember it as the image that started them.
 */
struct image {
  unsigned long id; /* the exec record's id; 0 is the tracer itself */
  int refs;
  char path[];      /* /proc/PID/exe at the exec stop */
};

struct image *image_new(unsigned long id, const char *path);
struct image *image_ref(struct image *im);
void image_unref(struct image *im);
size_t image_live(void);

/* ---------------------------------------------------------------- tasks */

enum task_state {
  TASK_NEW,         /* announced by its parent's fork event; its first stop is the attach stop */
  TASK_WAIT_PARENT, /* stopped before its parent's fork event arrived: held until it does */
  TASK_RUNNING      /* resumed; any later stop is an event, a signal or a group stop */
};

enum task_via { VIA_ROOT, VIA_FORK, VIA_VFORK, VIA_CLONE };

struct task {
  pid_t tid;
  pid_t tgid;
  pid_t parent_pid;           /* the process that started this one (its forker), for every thread */
  struct image *image;        /* what the process runs: inherited at fork, replaced at exec */
  struct image *parent_image; /* what the forker ran when it started this process */
  int own_image;              /* 1 once this process has exec'd (image is its own) */
  int via;                    /* enum task_via: how the process was started */
  int state;                  /* enum task_state */
  int pending_sig;            /* a signal stop seen while TASK_WAIT_PARENT, to deliver on resume */
  struct task *next;
};

struct task *task_find(pid_t tid);
/* A new entry for tid (zeroed but for tid/tgid), or NULL when out of memory. */
struct task *task_add(pid_t tid);
/* Drops the entry and its image references. */
void task_remove(struct task *t);
/* Gives the entry another tid (a thread that exec'd takes the thread group id). */
void task_rename(struct task *t, pid_t tid);
size_t task_count(void);
size_t task_peak(void);
/* Calls fn on every entry; fn may remove the entry it is given. */
void task_each(void (*fn)(struct task *t, void *arg), void *arg);

/* ---------------------------------------------------------------- output */

/*
 * One JSON-lines stream: records are built in a fixed buffer and written out
 * whenever it fills and before the tracer blocks, so nothing accumulates.
 */
void out_init(int fd);
void out_raw(const char *s, size_t n);
void out_s(const char *s);
void out_f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A JSON string from arbitrary bytes: malformed UTF-8 bytes become lone surrogates \udcXX, as the probe writes them. */
void out_str(const char *s);
void out_strn(const char *s, size_t n);
void out_flush(void);
/* 0, or the errno of the first failed write (the reader went away). */
int out_error(void);

/* ---------------------------------------------------------------- records */

struct exec_info {
  unsigned long id;
  pid_t pid;
  pid_t former_tid;           /* the thread that called execve, when not the thread group leader */
  pid_t parent_pid;
  unsigned long parent_id;    /* the image that started this one (0: fdaudit) */
  const char *parent_program;
  const char *via;            /* "exec" when the process replaced its own image, else how it was started */
  double time_ms;
};

/*
 * Reads the exec'd process at its exec stop (/proc/PID: exe, cmdline, fd,
 * fdinfo, status; RLIMIT_NOFILE) and writes one "exec" record. `program`
 * receives /proc/PID/exe (size bytes). Returns 0, or -errno when the
 * process vanished before it could be read (no record is written then).
 */
int record_exec(const struct exec_info *info, char *program, size_t size);

/* ---------------------------------------------------------------- refusal */

/*
 * Writes to `msg` why PTRACE_SEIZE of `pid` failed with `err`, naming the
 * cause (already traced, Yama ptrace_scope, a seccomp filter, a missing
 * capability) and the fix.
 */
void explain_refusal(pid_t pid, int err, char *msg, size_t size);

/* ---------------------------------------------------------------- helpers */

/* Reads a small file whole into buf (NUL-terminated); returns its length or -errno. */
ssize_t read_small(const char *path, char *buf, size_t size);
/* The value of "Key:" in a /proc status text, or NULL. */
const char *status_field(const char *status, const char *key);

#endif

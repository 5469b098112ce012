/* fdaudit-kernel: run a program under a kernel personality.
 *
 *   fdaudit-kernel --as NAME [--deny SYSCALL=ERRNO]... [--] PROGRAM [ARG]...
 *   fdaudit-kernel --list | --syscalls | --help
 *
 * Exit status: the program's own once it runs; 2 for a usage error (unknown
 * personality, syscall or errno); 3 when the personality cannot be applied
 * here (no namespaces for no-proc, no seccomp, an architecture the filter
 * does not know); 127 when PROGRAM is not found, 126 when it cannot be run.
 *
 * The wrapper opens nothing that survives into PROGRAM and leaves signal
 * state, limits and the environment as it found them: whatever PROGRAM
 * inherits is what its parent gave the wrapper. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel.h"

const char *prog_name = "fdaudit-kernel";

/* Leaves the way the supervised program did: its exit code, or death by its
 * signal (without a core of the wrapper's own). */
static int fdk_exit_like(int status) {
  if (status < 0) return EXIT_UNAVAILABLE;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (!WIFSIGNALED(status)) return EXIT_UNAVAILABLE;
  int sig = WTERMSIG(status);
  struct rlimit nocore = {0, 0};
  setrlimit(RLIMIT_CORE, &nocore);
  signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  sigprocmask(SIG_UNBLOCK, &one, NULL);
  raise(sig);
  return 128 + sig;
}

static void print_personalities(FILE *out, const char *indent) {
  for (size_t i = 0; i < fdk_personality_count; i++)
    fprintf(out, "%s%s\t%s\n", indent, fdk_personalities[i].name, fdk_personalities[i].description);
}

static void print_syscalls(FILE *out, const char *sep, const char *end) {
  for (size_t i = 0; i < fdk_syscall_count; i++)
    fprintf(out, "%s%s", i ? sep : "", fdk_syscalls[i].name);
  fputs(end, out);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: %s --as NAME [--deny SYSCALL=ERRNO]... [--] PROGRAM [ARG]...\n"
          "       %s --list | --syscalls | --help\n"
          "\n"
          "Runs PROGRAM (looked up in PATH) under a kernel personality: seccomp refuses\n"
          "the syscalls the personality names with the errno that kernel or container\n"
          "returns; everything else runs untouched. Names combine with '+' (a+b).\n"
          "\n"
          "personalities:\n",
          prog_name, prog_name);
  print_personalities(out, "  ");
  fprintf(out,
          "\n"
          "  --deny SYSCALL=ERRNO  also refuse SYSCALL with ERRNO (a name like ENOSYS or a\n"
          "                        number); repeatable; these rules take precedence over\n"
          "                        the personality's. SYSCALL is one of:\n"
          "                        ");
  print_syscalls(out, " ", "\n");
  fprintf(out,
          "                        A syscall this architecture lacks (poll, open or select\n"
          "                        on aarch64) is accepted and refuses nothing.\n"
          "  --list                one line per personality: NAME<TAB>DESCRIPTION\n"
          "  --syscalls            the syscall names --deny accepts, one per line\n"
          "\n"
          "exit status: PROGRAM's; 2 usage error; 3 personality unavailable here;\n"
          "126 PROGRAM cannot be run; 127 PROGRAM not found\n");
}

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "%s: ", prog_name);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry '%s --help'.\n", prog_name);
  return EXIT_USAGE;
}

/* --deny SYSCALL=ERRNO */
static int parse_deny(struct fdk_plan *deny, const char *spec) {
  const char *eq = strchr(spec, '=');
  char name[64];
  size_t len = eq ? (size_t)(eq - spec) : 0;
  if (!eq || len == 0 || len >= sizeof name || eq[1] == '\0')
    return usage_error("--deny expects SYSCALL=ERRNO, got '%s'", spec);
  memcpy(name, spec, len);
  name[len] = '\0';
  const struct fdk_syscall *sys = fdk_syscall_by_name(name);
  if (!sys) {
    fprintf(stderr, "%s: unknown syscall '%s' in --deny; known: ", prog_name, name);
    print_syscalls(stderr, ", ", "\n");
    return EXIT_USAGE;
  }
  int err = fdk_errno_by_name(eq + 1);
  if (err < 0) return usage_error("unknown errno '%s' in --deny (use a name like ENOSYS or 1..4095)", eq + 1);
  if (fdk_plan_add_rule(deny, (struct fdk_rule){sys, FDK_MATCH_ALL, 0, 0, err, 0}) != 0)
    return usage_error("too many --deny rules (at most %s)", "64 in all");
  return 0;
}

int fdk_apply(const struct fdk_plan *plan, const char *as, int *listener) {
  *listener = -1;
  if (plan->hide_proc) {
    const char *why = "";
    int rc = fdk_hide_proc(&why);
    if (rc < 0) {
      fprintf(stderr, "%s: personality '%s' is unavailable here: cannot hide /proc: %s failed: %s "
                      "(needs CAP_SYS_ADMIN or unprivileged user namespaces)\n",
              prog_name, as, why, strerror(-rc));
      return EXIT_UNAVAILABLE;
    }
  }
  if (plan->nrules > 0) {
    if (fdk_filter_supported() != 0) {
      fprintf(stderr, "%s: personality '%s' is unavailable here: the seccomp filter knows only x86_64 and "
                      "aarch64\n", prog_name, as);
      return EXIT_UNAVAILABLE;
    }
    int rc = fdk_filter_install(plan, listener);
    if (rc < 0) {
      /* A process tree has at most one seccomp supervisor: a huge-nofile
       * wrapper inside another one is refused with EBUSY. */
      fprintf(stderr, "%s: personality '%s' is unavailable here: installing the seccomp filter failed: %s%s\n",
              prog_name, as, strerror(-rc),
              rc == -EBUSY ? " (a seccomp supervisor already watches this process, e.g. an enclosing huge-nofile)"
                           : "");
      return EXIT_UNAVAILABLE;
    }
  }
  return 0;
}

int fdk_exec(char **argv) {
  execvp(argv[0], argv);
  int err = errno;
  fprintf(stderr, "%s: cannot run '%s': %s\n", prog_name, argv[0], strerror(err));
  return err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}

int main(int argc, char **argv) {
  static struct fdk_plan plan;
  const char *as = NULL;
  int i = 1;

  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-') break;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(a, "--list") == 0) {
      print_personalities(stdout, "");
      return 0;
    }
    if (strcmp(a, "--syscalls") == 0) {
      print_syscalls(stdout, "\n", "\n");
      return 0;
    }
    const char *value = NULL;
    int is_as = strcmp(a, "--as") == 0 || strncmp(a, "--as=", 5) == 0;
    int is_deny = strcmp(a, "--deny") == 0 || strncmp(a, "--deny=", 7) == 0;
    if (!is_as && !is_deny) return usage_error("unknown option '%s'", a);
    const char *eq = strchr(a, '=');
    if (eq) {
      value = eq + 1;
    } else {
      if (i + 1 >= argc) return usage_error("%s needs a value", a);
      value = argv[++i];
    }
    if (is_as) {
      if (as) return usage_error("--as given twice (combine personalities with '+': %s)", "linux-5.8+no-proc");
      as = value;
    } else {
      /* --deny rules go first in the plan so they take precedence. */
      int rc = parse_deny(&plan, value);
      if (rc) return rc;
    }
  }

  if (!as) return usage_error("%s", "missing --as NAME");
  const char *bad = NULL;
  if (fdk_plan_add_personality(&plan, as, &bad) != 0) {
    fprintf(stderr, "%s: unknown kernel personality '%s'; valid names:\n", prog_name, bad);
    print_personalities(stderr, "  ");
    return EXIT_USAGE;
  }
  if (i >= argc) return usage_error("%s", "missing PROGRAM to run");

  if (plan.nofile) return fdk_exit_like(fdk_run_supervised(&plan, as, &argv[i]));
  int listener;
  int rc = fdk_apply(&plan, as, &listener);
  if (rc) return rc;
  return fdk_exec(&argv[i]);
}

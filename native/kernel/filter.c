/* The seccomp filter, written as classic BPF without libseccomp.
 *
 * Layout: dispatch on the audit arch, then one section per ABI. Each section
 * tests the plan's rules in order (the first match decides) and ends in
 * ALLOW, so a syscall no rule names runs untouched. An arch the build does
 * not know is allowed too: the only effect of a personality is the listed
 * refusals. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define COMPAT_ARCH AUDIT_ARCH_I386
#define HAS_X32 1
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#define COMPAT_ARCH AUDIT_ARCH_ARM
#define HAS_X32 0
#endif

#define X32_SYSCALL_BIT 0x40000000U

/* Room for every rule on every ABI with arguments, plus dispatch. */
#define MAX_INSNS 1024

struct prog {
  struct sock_filter insn[MAX_INSNS];
  unsigned len;
  int overflow;
};

static unsigned emit(struct prog *p, struct sock_filter f) {
  if (p->len >= MAX_INSNS) {
    p->overflow = 1;
    return p->len;
  }
  p->insn[p->len] = f;
  return p->len++;
}

static struct sock_filter stmt(unsigned short code, unsigned k) {
  return (struct sock_filter)BPF_STMT(code, k);
}
static struct sock_filter jump(unsigned short code, unsigned k, unsigned char jt, unsigned char jf) {
  return (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

/* The low 32 bits of argument i: the kernel reads int and unsigned int
 * arguments from there and ignores the upper half. */
static unsigned arg_low_offset(unsigned i) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return (unsigned)(offsetof(struct seccomp_data, args) + 8 * i + 4);
#else
  return (unsigned)(offsetof(struct seccomp_data, args) + 8 * i);
#endif
}

static struct sock_filter ret_errno(int err) {
  return stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA));
}

static struct sock_filter ret_action(const struct fdk_rule *r) {
  return r->notify ? stmt(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF) : ret_errno(r->err);
}

/* One rule for one syscall number: "if nr matches [and the argument does],
 * return the errno", falling through otherwise. The accumulator holds the
 * syscall number on entry and on exit. */
static void emit_rule_nr(struct prog *p, const struct fdk_rule *r, unsigned nr) {
  switch (r->match) {
  case FDK_MATCH_ALL:
    emit(p, jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
    emit(p, ret_action(r));
    break;
  case FDK_MATCH_ARG_SET:
  case FDK_MATCH_ARG_EQ:
    /* nr? -> load arg -> test -> errno; a miss reloads nr for the next rule. */
    emit(p, jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 4));
    emit(p, stmt(BPF_LD | BPF_W | BPF_ABS, arg_low_offset(r->arg)));
    emit(p, jump(BPF_JMP | (r->match == FDK_MATCH_ARG_SET ? BPF_JSET : BPF_JEQ) | BPF_K, r->value, 0, 1));
    emit(p, ret_action(r));
    emit(p, stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
    break;
  }
}

static void emit_section(struct prog *p, const struct fdk_plan *plan, enum fdk_abi abi) {
  for (size_t i = 0; i < plan->nrules; i++) {
    const struct fdk_rule *r = &plan->rules[i];
    for (int k = 0; k < FDK_MAX_NRS; k++)
      if (r->sys->nr[abi][k] >= 0) emit_rule_nr(p, r, (unsigned)r->sys->nr[abi][k]);
  }
  emit(p, stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

int fdk_filter_supported(void) {
#ifdef NATIVE_ARCH
  return 0;
#else
  return -1;
#endif
}

#ifdef NATIVE_ARCH
static void patch_ja(struct prog *p, unsigned at, unsigned target) {
  p->insn[at].k = target - (at + 1);
}

static int build(struct prog *p, const struct fdk_plan *plan) {
  p->len = 0;
  p->overflow = 0;
  emit(p, stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
  emit(p, jump(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, 1));
  unsigned to_native = emit(p, stmt(BPF_JMP | BPF_JA, 0));
  emit(p, jump(BPF_JMP | BPF_JEQ | BPF_K, COMPAT_ARCH, 0, 1));
  unsigned to_compat = emit(p, stmt(BPF_JMP | BPF_JA, 0));
  emit(p, stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));

  patch_ja(p, to_native, p->len);
  emit(p, stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
#if HAS_X32
  /* x32 shares the x86_64 audit arch; its numbers carry bit 30. Sending them
   * to their own section keeps an x32 call from matching a 64-bit rule by
   * accident (x32 waitid is 529, not 247) and lets x32 callers meet the same
   * refusals as 64-bit ones. */
  emit(p, jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
  unsigned to_x32 = emit(p, stmt(BPF_JMP | BPF_JA, 0));
#endif
  emit_section(p, plan, FDK_ABI_NATIVE);
#if HAS_X32
  patch_ja(p, to_x32, p->len);
  emit_section(p, plan, FDK_ABI_X32);
#endif
  patch_ja(p, to_compat, p->len);
  emit(p, stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
  emit_section(p, plan, FDK_ABI_COMPAT);
  return p->overflow ? -E2BIG : 0;
}
#endif

int fdk_plan_notifies(const struct fdk_plan *plan) {
  for (size_t i = 0; i < plan->nrules; i++)
    if (plan->rules[i].notify) return 1;
  return 0;
}

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

int fdk_filter_install(const struct fdk_plan *plan, int *listener) {
  *listener = -1;
#ifndef NATIVE_ARCH
  (void)plan;
  return -ENOTSUP;
#else
  static struct prog p;
  int rc = build(&p, plan);
  if (rc < 0) return rc;
  /* Without no_new_privs an unprivileged process may not install a filter,
   * and a set-uid program must not run under one it did not choose. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
  struct sock_fprog fprog = {.len = (unsigned short)p.len, .filter = p.insn};
  if (!fdk_plan_notifies(plan)) {
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) != 0) return -errno;
    return 0;
  }
  /* WAIT_KILLABLE_RECV (6.0): once the supervisor has taken a call, only a
   * fatal signal interrupts it, so a handled signal cannot make the caller
   * restart a setrlimit the supervisor already applied (and then see the new
   * value as the old one). Older kernels refuse the flag: go without. */
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                    SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &fprog);
  if (fd < 0 && errno == EINVAL)
    fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
  if (fd < 0) return -errno;
  *listener = (int)fd;
  return 0;
#endif
}

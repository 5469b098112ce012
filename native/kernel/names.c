/* Syscall numbers per ABI and errno names.
 *
 * The numbers are written out rather than taken from <asm/unistd*.h> because
 * one build must know the numbers of every ABI the filter can meet: a 64-bit
 * process on x86_64 can still enter the kernel through the x32 and i386
 * tables, and an aarch64 one through the AArch32 table. The native column is
 * checked against the build's own headers below. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "kernel.h"

#define NONE {-1, -1}
#define ONE(a) {(a), -1}
#define TWO(a, b) {(a), (b)}

#if defined(__x86_64__)
/* x32 numbers are the 64-bit ones with bit 30 set, except for the calls whose
 * argument layout differs (waitid's siginfo), which sit at 512 and up. */
#define X32 0x40000000
#define SYS(name, x86_64, x32, i386, aarch64, arm) {name, {x86_64, x32, i386}}
#elif defined(__aarch64__)
#define X32 0
#define SYS(name, x86_64, x32, i386, aarch64, arm) {name, {aarch64, NONE, arm}}
#else
#define X32 0
#define SYS(name, x86_64, x32, i386, aarch64, arm) {name, {NONE, NONE, NONE}}
#endif

const struct fdk_syscall fdk_syscalls[] = {
  /*   name                 x86_64       x32                 i386             aarch64    arm (EABI) */
  SYS("close_range",       ONE(436), ONE(X32 | 436), ONE(436),       ONE(436), ONE(436)),
  SYS("pidfd_open",        ONE(434), ONE(X32 | 434), ONE(434),       ONE(434), ONE(434)),
  SYS("clone3",            ONE(435), ONE(X32 | 435), ONE(435),       ONE(435), ONE(435)),
  SYS("pidfd_getfd",       ONE(438), ONE(X32 | 438), ONE(438),       ONE(438), ONE(438)),
  SYS("pidfd_send_signal", ONE(424), ONE(X32 | 424), ONE(424),       ONE(424), ONE(424)),
  SYS("waitid",            ONE(247), ONE(X32 | 529), ONE(284),       ONE(95),  ONE(280)),
  SYS("poll",              ONE(7),   ONE(X32 | 7),   ONE(168),       NONE,     ONE(168)),
  SYS("ppoll",             ONE(271), ONE(X32 | 271), TWO(309, 414),  ONE(73),  TWO(336, 414)),
  SYS("select",            ONE(23),  ONE(X32 | 23),  TWO(82, 142),   NONE,     TWO(82, 142)),
  SYS("pselect6",          ONE(270), ONE(X32 | 270), TWO(308, 413),  ONE(72),  TWO(335, 413)),
  SYS("getdents64",        ONE(217), ONE(X32 | 217), ONE(220),       ONE(61),  ONE(217)),
  SYS("getdents",          ONE(78),  ONE(X32 | 78),  ONE(141),       NONE,     ONE(141)),
  SYS("open",              ONE(2),   ONE(X32 | 2),   ONE(5),         NONE,     ONE(5)),
  SYS("openat",            ONE(257), ONE(X32 | 257), ONE(295),       ONE(56),  ONE(322)),
  SYS("openat2",           ONE(437), ONE(X32 | 437), ONE(437),       ONE(437), ONE(437)),
  SYS("fcntl",             ONE(72),  ONE(X32 | 72),  TWO(55, 221),   ONE(25),  TWO(55, 221)),
  SYS("prlimit64",         ONE(302), ONE(X32 | 302), ONE(340),       ONE(261), ONE(369)),
  /* i386 has ugetrlimit (191, unsigned limits) and the old getrlimit (76,
   * which clamps to 0x7fffffff); EABI ARM only the first. */
  SYS("getrlimit",         ONE(97),  ONE(X32 | 97),  TWO(191, 76),   ONE(163), ONE(191)),
  SYS("setrlimit",         ONE(160), ONE(X32 | 160), ONE(75),        ONE(164), ONE(75)),
  SYS("unshare",           ONE(272), ONE(X32 | 272), ONE(310),       ONE(97),  ONE(337)),
  /* What a container's seccomp profile refuses to keep tracers out (fdaudit trace's refusal test). */
  SYS("ptrace",            ONE(101), ONE(X32 | 521), ONE(26),        ONE(117), ONE(26)),
};
const size_t fdk_syscall_count = sizeof fdk_syscalls / sizeof fdk_syscalls[0];

/* The native column must agree with the headers the build sees. */
#if defined(__x86_64__)
_Static_assert(__NR_close_range == 436 && __NR_pidfd_open == 434 && __NR_clone3 == 435 &&
               __NR_pidfd_getfd == 438 && __NR_pidfd_send_signal == 424 && __NR_waitid == 247 &&
               __NR_poll == 7 && __NR_ppoll == 271 && __NR_select == 23 && __NR_pselect6 == 270 &&
               __NR_getdents64 == 217 && __NR_getdents == 78 && __NR_open == 2 && __NR_openat == 257 &&
               __NR_openat2 == 437 && __NR_fcntl == 72 && __NR_prlimit64 == 302 &&
               __NR_getrlimit == 97 && __NR_setrlimit == 160 && __NR_unshare == 272 && __NR_ptrace == 101,
               "x86_64 syscall numbers disagree with <sys/syscall.h>");
#elif defined(__aarch64__)
_Static_assert(__NR_close_range == 436 && __NR_pidfd_open == 434 && __NR_clone3 == 435 &&
               __NR_pidfd_getfd == 438 && __NR_pidfd_send_signal == 424 && __NR_waitid == 95 &&
               __NR_ppoll == 73 && __NR_pselect6 == 72 && __NR_getdents64 == 61 && __NR_openat == 56 &&
               __NR_openat2 == 437 && __NR_fcntl == 25 && __NR_prlimit64 == 261 &&
               __NR_getrlimit == 163 && __NR_setrlimit == 164 && __NR_unshare == 97 && __NR_ptrace == 117,
               "aarch64 syscall numbers disagree with <sys/syscall.h>");
#endif

const struct fdk_syscall *fdk_syscall_by_name(const char *name) {
  for (size_t i = 0; i < fdk_syscall_count; i++)
    if (strcmp(fdk_syscalls[i].name, name) == 0) return &fdk_syscalls[i];
  return NULL;
}

struct errno_name {
  const char *name;
  int value;
};

/* Aliases (EWOULDBLOCK, ENOTSUP) come after the name the kernel headers treat
 * as primary, so fdk_errno_name prints the primary one. */
static const struct errno_name errnos[] = {
#define E(x) {#x, x}
  E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF),
  E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV),
  E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(ETXTBSY),
  E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(EDOM), E(ERANGE),
  E(EDEADLK), E(ENAMETOOLONG), E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENOMSG),
  E(EOVERFLOW), E(EILSEQ), E(ENOTSOCK), E(EOPNOTSUPP), E(EAFNOSUPPORT), E(EADDRINUSE),
  E(ENETDOWN), E(ENOBUFS), E(ENOTCONN), E(ETIMEDOUT), E(ECONNREFUSED), E(ECANCELED),
  E(EOWNERDEAD), E(ENOTRECOVERABLE), E(EWOULDBLOCK), E(ENOTSUP),
#undef E
};

int fdk_errno_by_name(const char *name) {
  for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
    if (strcmp(errnos[i].name, name) == 0) return errnos[i].value;
  if (*name < '1' || *name > '9') return -1;
  char *end;
  long v = strtol(name, &end, 10);
  /* The kernel reads SECCOMP_RET_ERRNO data as an errno only up to 4095. */
  if (*end != '\0' || v < 1 || v > 4095) return -1;
  return (int)v;
}

const char *fdk_errno_name(int err) {
  for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
    if (errnos[i].value == err) return errnos[i].name;
  return NULL;
}

// fd, rlimit and signal primitives for the bait catalogue and the tests.
//
// Node opens everything O_CLOEXEC and has no pipe(), eventfd() or
// socketpair(); the audit needs exactly the opposite: fds that a careless
// launcher would pass on. Every function here takes a `cloexec` flag so the
// same code opens the baits and the control that must never cross.
#include <arpa/inet.h>
#include <climits>
#include <cmath>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "parts.h"

namespace {

[[noreturn]] void ThrowErrno(Napi::Env env, const char* syscall, int err, const std::string& detail = "") {
  std::string msg = std::string(syscall) + " failed: " + strerror(err);
  if (!detail.empty()) msg += " (" + detail + ")";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  throw e;
}

int IntArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  double v = info[i].As<Napi::Number>().DoubleValue();
  // Checked as a double first: converting NaN or a value outside int's range is undefined behaviour.
  if (!std::isfinite(v) || v != std::trunc(v) || v < static_cast<double>(INT_MIN) || v > static_cast<double>(INT_MAX)) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be an integer in the int range");
  }
  return static_cast<int>(v);
}

bool BoolArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsBoolean() && info[i].As<Napi::Boolean>().Value();
}

Napi::Array Pair(Napi::Env env, int a, int b) {
  Napi::Array arr = Napi::Array::New(env, 2);
  arr.Set(0u, Napi::Number::New(env, a));
  arr.Set(1u, Napi::Number::New(env, b));
  return arr;
}

Napi::Value Pipe(const Napi::CallbackInfo& info) {
  int fds[2];
  if (pipe2(fds, BoolArg(info, 0) ? O_CLOEXEC : 0) != 0) ThrowErrno(info.Env(), "pipe2", errno);
  return Pair(info.Env(), fds[0], fds[1]);
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  int fds[2];
  int type = SOCK_STREAM | (BoolArg(info, 0) ? SOCK_CLOEXEC : 0);
  if (socketpair(AF_UNIX, type, 0, fds) != 0) ThrowErrno(info.Env(), "socketpair", errno);
  return Pair(info.Env(), fds[0], fds[1]);
}

Napi::Value EventFd(const Napi::CallbackInfo& info) {
  unsigned initval = static_cast<unsigned>(IntArg(info, 0, "initval"));
  int fd = eventfd(initval, BoolArg(info, 1) ? EFD_CLOEXEC : 0);
  if (fd < 0) ThrowErrno(info.Env(), "eventfd", errno);
  return Napi::Number::New(info.Env(), fd);
}

// A timerfd armed with a distinctive interval, so that two of them differ in
// what fdinfo shows (it_interval does not change while the timer runs).
Napi::Value TimerFd(const Napi::CallbackInfo& info) {
  int intervalMs = IntArg(info, 0, "intervalMs");
  int fd = timerfd_create(CLOCK_MONOTONIC, BoolArg(info, 1) ? TFD_CLOEXEC : 0);
  if (fd < 0) ThrowErrno(info.Env(), "timerfd_create", errno);
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  its.it_interval.tv_sec = intervalMs / 1000;
  its.it_interval.tv_nsec = static_cast<long>(intervalMs % 1000) * 1000000L;
  its.it_value.tv_sec = 3600;  // far away: never fires during an audit
  if (timerfd_settime(fd, 0, &its, nullptr) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(info.Env(), "timerfd_settime", err);
  }
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value Epoll(const Napi::CallbackInfo& info) {
  int fd = epoll_create1(BoolArg(info, 0) ? EPOLL_CLOEXEC : 0);
  if (fd < 0) ThrowErrno(info.Env(), "epoll_create1", errno);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value EpollAdd(const Napi::CallbackInfo& info) {
  int epfd = IntArg(info, 0, "epfd");
  int fd = IntArg(info, 1, "fd");
  double data = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.u64 = static_cast<uint64_t>(data);
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) ThrowErrno(info.Env(), "epoll_ctl", errno);
  return info.Env().Undefined();
}

Napi::Value MemFd(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "name must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  int fd = memfd_create(name.c_str(), BoolArg(info, 1) ? MFD_CLOEXEC : 0);
  if (fd < 0) ThrowErrno(info.Env(), "memfd_create", errno);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value Inotify(const Napi::CallbackInfo& info) {
  int fd = inotify_init1(BoolArg(info, 0) ? IN_CLOEXEC : 0);
  if (fd < 0) ThrowErrno(info.Env(), "inotify_init1", errno);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value InotifyAddWatch(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "fd");
  if (info.Length() < 2 || !info[1].IsString()) throw Napi::TypeError::New(info.Env(), "path must be a string");
  std::string path = info[1].As<Napi::String>().Utf8Value();
  int wd = inotify_add_watch(fd, path.c_str(), IN_CREATE | IN_DELETE);
  if (wd < 0) ThrowErrno(info.Env(), "inotify_add_watch", errno, path);
  return Napi::Number::New(info.Env(), wd);
}

Napi::Value InetSocket(const Napi::CallbackInfo& info, int type) {
  bool cloexec = BoolArg(info, 0);
  int fd = socket(AF_INET, type | (cloexec ? SOCK_CLOEXEC : 0), 0);
  if (fd < 0) ThrowErrno(info.Env(), "socket", errno);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0 ||
      (type == SOCK_STREAM && listen(fd, 4) != 0) ||
      getsockname(fd, reinterpret_cast<struct sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(info.Env(), type == SOCK_STREAM ? "listen" : "bind", err);
  }
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("fd", Napi::Number::New(info.Env(), fd));
  out.Set("port", Napi::Number::New(info.Env(), ntohs(addr.sin_port)));
  return out;
}

Napi::Value TcpListen(const Napi::CallbackInfo& info) { return InetSocket(info, SOCK_STREAM); }
Napi::Value Udp(const Napi::CallbackInfo& info) { return InetSocket(info, SOCK_DGRAM); }

// signalfd(signals, cloexec): a signalfd for the given signal numbers. It
// only reads signals that are pending and blocked; creating it changes no
// disposition and no mask. The set is what fdinfo shows, so distinct sets
// tell two signalfds apart.
Napi::Value SignalFd(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(info.Env(), "signals must be an array of signal numbers");
  Napi::Array arr = info[0].As<Napi::Array>();
  sigset_t set;
  sigemptyset(&set);
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "signals must be an array of signal numbers");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 1 && d < NSIG) || d != static_cast<int>(d)) {
      throw Napi::RangeError::New(info.Env(), "signal number out of range: " + std::to_string(d));
    }
    // sigaddset refuses glibc's reserved 32 and 33; the kernel would take them.
    if (sigaddset(&set, static_cast<int>(d)) != 0) ThrowErrno(info.Env(), "sigaddset", errno, std::to_string(static_cast<int>(d)));
  }
  int fd = signalfd(-1, &set, BoolArg(info, 1) ? SFD_CLOEXEC : 0);
  if (fd < 0) ThrowErrno(info.Env(), "signalfd", errno);
  return Napi::Number::New(info.Env(), fd);
}

// pidfd(pid, cloexec): pidfd_open, raw (glibc 2.36 has the wrapper but older
// ones do not). pidfd_open always sets O_CLOEXEC; it is cleared afterwards
// when a leakable fd is asked for.
Napi::Value PidFd(const Napi::CallbackInfo& info) {
  int pid = IntArg(info, 0, "pid");
  if (pid <= 0) throw Napi::RangeError::New(info.Env(), "pid must be positive");
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) ThrowErrno(info.Env(), "pidfd_open", errno, "pid " + std::to_string(pid));
  if (!BoolArg(info, 1) && fcntl(fd, F_SETFD, 0) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(info.Env(), "fcntl(F_SETFD)", err);
  }
  return Napi::Number::New(info.Env(), fd);
}

// ptmx(cloexec): a pty master, as terminal libraries hold one. O_NOCTTY: it
// must not become this process's controlling terminal.
Napi::Value Ptmx(const Napi::CallbackInfo& info) {
  int fd = posix_openpt(O_RDWR | O_NOCTTY | (BoolArg(info, 0) ? O_CLOEXEC : 0));
  if (fd < 0) ThrowErrno(info.Env(), "posix_openpt", errno, "/dev/ptmx");
  return Napi::Number::New(info.Env(), fd);
}

// unixListen(cloexec): a listening AF_UNIX stream socket. Bound with an empty
// address, so the kernel picks a unique abstract name: nothing is created on
// disk and nothing is left behind.
Napi::Value UnixListen(const Napi::CallbackInfo& info) {
  int fd = socket(AF_UNIX, SOCK_STREAM | (BoolArg(info, 0) ? SOCK_CLOEXEC : 0), 0);
  if (fd < 0) ThrowErrno(info.Env(), "socket", errno, "AF_UNIX");
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(sa_family_t)) != 0 || listen(fd, 4) != 0 ||
      getsockname(fd, reinterpret_cast<struct sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(info.Env(), "listen", err, "AF_UNIX");
  }
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("fd", Napi::Number::New(info.Env(), fd));
  // Abstract names start with a NUL byte; shown the way ss(8) shows them.
  std::string name = "@" + std::string(addr.sun_path + 1, len > sizeof(sa_family_t) + 1 ? len - sizeof(sa_family_t) - 1 : 0);
  out.Set("address", Napi::String::New(info.Env(), name));
  return out;
}

// netlink(cloexec): a NETLINK_ROUTE socket, the kind network tools and
// libraries keep open. Left unbound: nothing is subscribed or sent.
Napi::Value Netlink(const Napi::CallbackInfo& info) {
  int fd = socket(AF_NETLINK, SOCK_RAW | (BoolArg(info, 0) ? SOCK_CLOEXEC : 0), NETLINK_ROUTE);
  if (fd < 0) ThrowErrno(info.Env(), "socket", errno, "AF_NETLINK");
  return Napi::Number::New(info.Env(), fd);
}

// open(path, mode, cloexec): mode is 'r', 'w', 'rw', 'dir' or 'path'.
Napi::Value Open(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    throw Napi::TypeError::New(info.Env(), "open(path, mode, cloexec): path and mode must be strings");
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::string mode = info[1].As<Napi::String>().Utf8Value();
  int flags;
  if (mode == "r") flags = O_RDONLY;
  else if (mode == "w") flags = O_WRONLY | O_CREAT;
  else if (mode == "rw") flags = O_RDWR | O_CREAT;
  else if (mode == "dir") flags = O_RDONLY | O_DIRECTORY;
  else if (mode == "path") flags = O_PATH;
  else throw Napi::RangeError::New(info.Env(), "open: unknown mode '" + mode + "' (r, w, rw, dir, path)");
  if (BoolArg(info, 2)) flags |= O_CLOEXEC;
  int fd = open(path.c_str(), flags, 0600);
  if (fd < 0) ThrowErrno(info.Env(), "open", errno, path);
  return Napi::Number::New(info.Env(), fd);
}

// F_DUPFD: the lowest free number >= min. Fails (EINVAL) when min is at or
// above the soft RLIMIT_NOFILE, which is what the caller must know about.
Napi::Value DupAbove(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "fd");
  int min = IntArg(info, 1, "min");
  int nfd = fcntl(fd, BoolArg(info, 2) ? F_DUPFD_CLOEXEC : F_DUPFD, min);
  if (nfd < 0) ThrowErrno(info.Env(), "fcntl(F_DUPFD)", errno, "fd " + std::to_string(fd) + " >= " + std::to_string(min));
  return Napi::Number::New(info.Env(), nfd);
}

// dup3 onto an exact number that must be free: silently replacing an open fd
// would close something the caller (or Node) still uses.
Napi::Value DupTo(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "fd");
  int target = IntArg(info, 1, "target");
  if (fcntl(target, F_GETFD) >= 0) {
    ThrowErrno(info.Env(), "dup3", EBUSY, "fd " + std::to_string(target) + " is already open");
  }
  if (dup3(fd, target, BoolArg(info, 2) ? O_CLOEXEC : 0) < 0) {
    ThrowErrno(info.Env(), "dup3", errno, std::to_string(fd) + " -> " + std::to_string(target));
  }
  return Napi::Number::New(info.Env(), target);
}

Napi::Value SetCloexec(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "fd");
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) ThrowErrno(info.Env(), "fcntl(F_GETFD)", errno, "fd " + std::to_string(fd));
  flags = BoolArg(info, 1) ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
  if (fcntl(fd, F_SETFD, flags) != 0) ThrowErrno(info.Env(), "fcntl(F_SETFD)", errno);
  return info.Env().Undefined();
}

Napi::Value GetCloexec(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "fd");
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) ThrowErrno(info.Env(), "fcntl(F_GETFD)", errno, "fd " + std::to_string(fd));
  return Napi::Boolean::New(info.Env(), (flags & FD_CLOEXEC) != 0);
}

Napi::Value IsOpen(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "fd");
  return Napi::Boolean::New(info.Env(), fd >= 0 && fcntl(fd, F_GETFD) >= 0);
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  int fd = IntArg(info, 0, "fd");
  if (close(fd) != 0 && errno != EINTR) ThrowErrno(info.Env(), "close", errno, "fd " + std::to_string(fd));
  return info.Env().Undefined();
}

Napi::Value LimitValue(Napi::Env env, rlim_t v) {
  if (v == RLIM_INFINITY) return Napi::String::New(env, "unlimited");
  return Napi::Number::New(env, static_cast<double>(v));
}

rlim_t LimitArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info[i].IsString() && info[i].As<Napi::String>().Utf8Value() == "unlimited") return RLIM_INFINITY;
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number or 'unlimited'");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v != static_cast<double>(static_cast<rlim_t>(v))) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be a non-negative integer");
  }
  return static_cast<rlim_t>(v);
}

Napi::Value GetRlimitNofile(const Napi::CallbackInfo& info) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) ThrowErrno(info.Env(), "getrlimit", errno);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("soft", LimitValue(info.Env(), rl.rlim_cur));
  out.Set("hard", LimitValue(info.Env(), rl.rlim_max));
  return out;
}

Napi::Value SetRlimitNofile(const Napi::CallbackInfo& info) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) ThrowErrno(info.Env(), "getrlimit", errno);
  rl.rlim_cur = LimitArg(info, 0, "soft");
  if (info.Length() > 1 && !info[1].IsUndefined()) rl.rlim_max = LimitArg(info, 1, "hard");
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) ThrowErrno(info.Env(), "setrlimit", errno);
  return info.Env().Undefined();
}

// Signals of the calling thread, by number. Names are the TypeScript side's.
Napi::Value ThreadSignalMask(const Napi::CallbackInfo& info) {
  sigset_t cur;
  pthread_sigmask(SIG_SETMASK, nullptr, &cur);
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t n = 0;
  for (int s = 1; s < NSIG; s++)
    if (sigismember(&cur, s) == 1) out.Set(n++, Napi::Number::New(info.Env(), s));
  return out;
}

// setThreadSignalMask(numbers[]) -> previous mask (numbers[]).
Napi::Value SetThreadSignalMask(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(info.Env(), "mask must be an array of signal numbers");
  Napi::Array arr = info[0].As<Napi::Array>();
  sigset_t set, old;
  sigemptyset(&set);
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "mask must be an array of signal numbers");
    int s = v.As<Napi::Number>().Int32Value();
    if (s < 1 || s >= NSIG) throw Napi::RangeError::New(info.Env(), "signal number out of range: " + std::to_string(s));
    sigaddset(&set, s);
  }
  int err = pthread_sigmask(SIG_SETMASK, &set, &old);
  if (err != 0) ThrowErrno(info.Env(), "pthread_sigmask", err);
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t n = 0;
  for (int s = 1; s < NSIG; s++)
    if (sigismember(&old, s) == 1) out.Set(n++, Napi::Number::New(info.Env(), s));
  return out;
}

// signalDisposition(n) -> 'default' | 'ignore' | 'handler'
Napi::Value SignalDisposition(const Napi::CallbackInfo& info) {
  int s = IntArg(info, 0, "signal");
  struct sigaction sa;
  if (sigaction(s, nullptr, &sa) != 0) ThrowErrno(info.Env(), "sigaction", errno, "signal " + std::to_string(s));
  const char* d = sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignore" : "handler";
  return Napi::String::New(info.Env(), d);
}

// saveSignal(n) -> opaque Buffer with the whole sigaction, for restoreSignal.
Napi::Value SaveSignal(const Napi::CallbackInfo& info) {
  int s = IntArg(info, 0, "signal");
  struct sigaction sa;
  if (sigaction(s, nullptr, &sa) != 0) ThrowErrno(info.Env(), "sigaction", errno, "signal " + std::to_string(s));
  return Napi::Buffer<char>::Copy(info.Env(), reinterpret_cast<const char*>(&sa), sizeof sa);
}

Napi::Value RestoreSignal(const Napi::CallbackInfo& info) {
  int s = IntArg(info, 0, "signal");
  if (info.Length() < 2 || !info[1].IsBuffer() || info[1].As<Napi::Buffer<char>>().Length() != sizeof(struct sigaction)) {
    throw Napi::TypeError::New(info.Env(), "restoreSignal needs the Buffer returned by saveSignal");
  }
  struct sigaction sa;
  memcpy(&sa, info[1].As<Napi::Buffer<char>>().Data(), sizeof sa);
  if (sigaction(s, &sa, nullptr) != 0) ThrowErrno(info.Env(), "sigaction", errno, "signal " + std::to_string(s));
  return info.Env().Undefined();
}

// setSignalDisposition(n, 'default' | 'ignore')
Napi::Value SetSignalDisposition(const Napi::CallbackInfo& info) {
  int s = IntArg(info, 0, "signal");
  if (info.Length() < 2 || !info[1].IsString()) throw Napi::TypeError::New(info.Env(), "disposition must be 'default' or 'ignore'");
  std::string d = info[1].As<Napi::String>().Utf8Value();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  if (d == "default") sa.sa_handler = SIG_DFL;
  else if (d == "ignore") sa.sa_handler = SIG_IGN;
  else throw Napi::RangeError::New(info.Env(), "disposition must be 'default' or 'ignore', not '" + d + "'");
  sigemptyset(&sa.sa_mask);
  if (sigaction(s, &sa, nullptr) != 0) ThrowErrno(info.Env(), "sigaction", errno, "signal " + std::to_string(s));
  return info.Env().Undefined();
}

// glibc's SIGRTMIN/SIGRTMAX are run-time values (it reserves the first two
// real-time signals for itself), so names for them come from here.
Napi::Value SignalRange(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("rtmin", Napi::Number::New(info.Env(), SIGRTMIN));
  out.Set("rtmax", Napi::Number::New(info.Env(), SIGRTMAX));
  out.Set("nsig", Napi::Number::New(info.Env(), NSIG));
  return out;
}

Napi::Value RaiseInThread(const Napi::CallbackInfo& info) {
  int s = IntArg(info, 0, "signal");
  int err = pthread_kill(pthread_self(), s);
  if (err != 0) ThrowErrno(info.Env(), "pthread_kill", err);
  return info.Env().Undefined();
}

}  // namespace

void RegisterFdOps(Napi::Env env, Napi::Object exports) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("pipe", Napi::Function::New(env, Pipe, "pipe"));
  o.Set("socketpair", Napi::Function::New(env, SocketPair, "socketpair"));
  o.Set("eventfd", Napi::Function::New(env, EventFd, "eventfd"));
  o.Set("timerfd", Napi::Function::New(env, TimerFd, "timerfd"));
  o.Set("epoll", Napi::Function::New(env, Epoll, "epoll"));
  o.Set("epollAdd", Napi::Function::New(env, EpollAdd, "epollAdd"));
  o.Set("memfd", Napi::Function::New(env, MemFd, "memfd"));
  o.Set("inotify", Napi::Function::New(env, Inotify, "inotify"));
  o.Set("inotifyAddWatch", Napi::Function::New(env, InotifyAddWatch, "inotifyAddWatch"));
  o.Set("tcpListen", Napi::Function::New(env, TcpListen, "tcpListen"));
  o.Set("udp", Napi::Function::New(env, Udp, "udp"));
  o.Set("signalfd", Napi::Function::New(env, SignalFd, "signalfd"));
  o.Set("pidfd", Napi::Function::New(env, PidFd, "pidfd"));
  o.Set("ptmx", Napi::Function::New(env, Ptmx, "ptmx"));
  o.Set("unixListen", Napi::Function::New(env, UnixListen, "unixListen"));
  o.Set("netlink", Napi::Function::New(env, Netlink, "netlink"));
  o.Set("open", Napi::Function::New(env, Open, "open"));
  o.Set("dupAbove", Napi::Function::New(env, DupAbove, "dupAbove"));
  o.Set("dupTo", Napi::Function::New(env, DupTo, "dupTo"));
  o.Set("setCloexec", Napi::Function::New(env, SetCloexec, "setCloexec"));
  o.Set("getCloexec", Napi::Function::New(env, GetCloexec, "getCloexec"));
  o.Set("isOpen", Napi::Function::New(env, IsOpen, "isOpen"));
  o.Set("close", Napi::Function::New(env, Close, "close"));
  o.Set("getRlimitNofile", Napi::Function::New(env, GetRlimitNofile, "getRlimitNofile"));
  o.Set("setRlimitNofile", Napi::Function::New(env, SetRlimitNofile, "setRlimitNofile"));
  o.Set("threadSignalMask", Napi::Function::New(env, ThreadSignalMask, "threadSignalMask"));
  o.Set("setThreadSignalMask", Napi::Function::New(env, SetThreadSignalMask, "setThreadSignalMask"));
  o.Set("signalDisposition", Napi::Function::New(env, SignalDisposition, "signalDisposition"));
  o.Set("setSignalDisposition", Napi::Function::New(env, SetSignalDisposition, "setSignalDisposition"));
  o.Set("saveSignal", Napi::Function::New(env, SaveSignal, "saveSignal"));
  o.Set("restoreSignal", Napi::Function::New(env, RestoreSignal, "restoreSignal"));
  o.Set("signalRange", Napi::Function::New(env, SignalRange, "signalRange"));
  o.Set("raiseInThread", Napi::Function::New(env, RaiseInThread, "raiseInThread"));
  exports.Set("fdops", o);
}

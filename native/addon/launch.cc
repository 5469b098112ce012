// Binding for the launcher core (native/launch) and its variants: converts
// arguments and results, no policy (that lives in src/launch). Exposed as
// exports.launch = { spawn, waitpid, watch, getRlimitNofile, fdIsOpen,
// pidfdAvailable, closeRangeAvailable, strerror }.
//
// Exit watching for launch(): a pidfd polled by the event loop, the one the
// core's clone handed back with the pid (CLONE_PIDFD), else pidfd_open;
// where neither works (before 5.3, seccomp) or the loop cannot poll it,
// SIGCHLD through the loop plus waitpid(pid, WNOHANG) for each pid this
// environment watches. Never waitpid(-1): libuv and child_process reap their
// own children.
//
// Numbers from JavaScript are doubles: every one is checked (finite,
// integral, in range) before it is converted, and a bad one is a RangeError
// naming the argument; casting first would make NaN or 1e10 some int.
//
// Context-aware: all state is per environment (worker_threads each get their
// own), hung off the functions' data pointer, torn down by a cleanup hook.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "launch/launch.h"
#include "parts.h"
#include "variants/variants.h"

// The Node-API headers (node-api-headers, what cmake-js uses in Node-API mode)
// do not ship uv.h; node_api.h only forward-declares uv_loop_s. libuv's 1.x
// ABI is stable, so the few entry points used here are declared by hand, and
// handle sizes are asked of libuv at run time (uv_handle_size) instead of
// being taken from a header. The node binary exports these symbols to addons.
extern "C" {
struct uv_handle_s;
struct uv_poll_s;
struct uv_signal_s;
struct uv_timer_s;
typedef void (*fda_uv_close_cb)(uv_handle_s*);
typedef void (*fda_uv_poll_cb)(uv_poll_s*, int status, int events);
typedef void (*fda_uv_signal_cb)(uv_signal_s*, int signum);
typedef void (*fda_uv_timer_cb)(uv_timer_s*);
size_t uv_handle_size(int type);
int uv_poll_init(uv_loop_s* loop, uv_poll_s* handle, int fd);
int uv_poll_start(uv_poll_s* handle, int events, fda_uv_poll_cb cb);
int uv_signal_init(uv_loop_s* loop, uv_signal_s* handle);
int uv_signal_start(uv_signal_s* handle, fda_uv_signal_cb cb, int signum);
int uv_timer_init(uv_loop_s* loop, uv_timer_s* handle);
int uv_timer_start(uv_timer_s* handle, fda_uv_timer_cb cb, uint64_t timeout, uint64_t repeat);
void uv_close(uv_handle_s* handle, fda_uv_close_cb cb);
}

namespace {

// uv_handle_type values (uv.h UV_HANDLE_TYPE_MAP order) and UV_READABLE: fixed across libuv 1.x.
constexpr int kUvPoll = 8;
constexpr int kUvSignal = 16;
constexpr int kUvTimer = 13;
// The SIGCHLD fallback also looks every this many ms: SIGCHLD may never come (see StartReapTimer).
constexpr uint64_t kReapIntervalMs = 100;
constexpr int kUvReadable = 1;

// Every libuv handle starts with its public `void* data` member.
void SetHandleData(void* handle, void* data) { *static_cast<void**>(handle) = data; }
template <typename T>
T* HandleData(void* handle) {
  return static_cast<T*>(*static_cast<void**>(handle));
}

struct LaunchEnv;

// The core starts its children with no exit signal until they exec (spawn.c): a clone child to waitpid.
constexpr int kWaitAll = __WALL;

struct Watch {
  LaunchEnv* le = nullptr;
  pid_t pid = 0;
  int pidfd = -1;
  void* poll = nullptr;  // uv_poll_s when watched through a pidfd
  Napi::FunctionReference cb;
  std::unique_ptr<Napi::AsyncContext> ctx;
};

struct LaunchEnv {
  napi_env env = nullptr;
  uv_loop_s* loop = nullptr;
  std::unordered_set<Watch*> watches;    // every pending watch
  std::unordered_set<Watch*> by_signal;  // the ones without a pidfd
  void* sigchld = nullptr;               // uv_signal_s, while by_signal is not empty
  void* reap_timer = nullptr;            // uv_timer_s, while by_signal is not empty
  int open_handles = 0;
  bool tearing_down = false;
};

void MaybeFreeEnv(LaunchEnv* le) {
  if (le->tearing_down && le->open_handles == 0) delete le;
}

void OnHandleClosed(uv_handle_s* h) {
  LaunchEnv* le = HandleData<LaunchEnv>(h);
  ::operator delete(static_cast<void*>(h));
  le->open_handles--;
  MaybeFreeEnv(le);
}

void CloseHandle(LaunchEnv* le, void* handle) {
  SetHandleData(handle, le);
  uv_close(static_cast<uv_handle_s*>(handle), OnHandleClosed);
}

void StopSigchldIfIdle(LaunchEnv* le) {
  if (le->by_signal.empty() && le->sigchld) {
    CloseHandle(le, le->sigchld);
    le->sigchld = nullptr;
  }
  if (le->by_signal.empty() && le->reap_timer) {
    CloseHandle(le, le->reap_timer);
    le->reap_timer = nullptr;
  }
}

// Removes w from the environment and frees it (closing its handle and pidfd).
void Forget(Watch* w) {
  LaunchEnv* le = w->le;
  le->watches.erase(w);
  le->by_signal.erase(w);
  if (w->poll) CloseHandle(le, w->poll);
  if (w->pidfd >= 0) close(w->pidfd);
  StopSigchldIfIdle(le);
  delete w;
}

// Reaps w's child if it has exited. Returns true and fills code/sig when done.
bool TryReap(Watch* w, int* code, int* sig) {
  int st = 0;
  pid_t r;
  do r = waitpid(w->pid, &st, WNOHANG | kWaitAll);
  while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  *code = -1;
  *sig = 0;
  if (r == w->pid) {
    if (WIFEXITED(st)) *code = WEXITSTATUS(st);
    else if (WIFSIGNALED(st)) *sig = WTERMSIG(st);
  }
  // r < 0 (ECHILD): reaped by the kernel (this process ignores SIGCHLD) or by someone else's
  // waitpid(-1); the status is lost: code and signal null.
  return true;
}

// Forgets w (its pidfd closed, its handle released), then calls the JS callback (code|null, signo|0) from
// the event loop: whatever runs after the exit is seen (microtasks included) finds nothing of it still open.
void Deliver(Watch* w, int code, int sig) {
  napi_env env = w->le->env;
  Napi::FunctionReference cb = std::move(w->cb);
  std::unique_ptr<Napi::AsyncContext> ctx = std::move(w->ctx);
  Forget(w);
  Napi::HandleScope scope(env);
  Napi::Env e(env);
  Napi::Value c = code >= 0 ? Napi::Number::New(e, code) : e.Null();
  try {
    cb.MakeCallback(e.Global(), {c, Napi::Number::New(e, sig)}, *ctx);
  } catch (const Napi::Error& err) {
    napi_fatal_exception(env, err.Value());
  }
}

void OnPidfdReadable(uv_poll_s* h, int status, int events) {
  Watch* w = HandleData<Watch>(h);
  int code, sig;
  if (TryReap(w, &code, &sig)) Deliver(w, code, sig);
}

void ReapSignalWatches(LaunchEnv* le) {
  std::vector<Watch*> pending(le->by_signal.begin(), le->by_signal.end());
  for (Watch* w : pending) {
    int code, sig;
    if (TryReap(w, &code, &sig)) Deliver(w, code, sig);
  }
}

void OnSigchld(uv_signal_s* h, int) { ReapSignalWatches(HandleData<LaunchEnv>(h)); }

void OnReapTimer(uv_timer_s* h) { ReapSignalWatches(HandleData<LaunchEnv>(h)); }

// The SIGCHLD handle of this environment. 0, or libuv's error (nothing left open).
int StartSigchld(LaunchEnv* le) {
  void* h = ::operator new(uv_handle_size(kUvSignal));
  int err = uv_signal_init(le->loop, static_cast<uv_signal_s*>(h));
  if (err != 0) {
    ::operator delete(h);
    return err;
  }
  SetHandleData(h, le);
  le->open_handles++;
  if ((err = uv_signal_start(static_cast<uv_signal_s*>(h), OnSigchld, SIGCHLD)) != 0) {
    CloseHandle(le, h);
    return err;
  }
  le->sigchld = h;
  return 0;
}

// SIGCHLD may never arrive: when the process ignores it (SIG_IGN set behind libuv's back while libuv already
// had a SIGCHLD handle, e.g. child_process's, so uv_signal_start installs nothing) the kernel reaps the child
// silently. A slow timer beside the signal notices the exit all the same (the status is then lost). False
// when no timer could be had: the signal alone then.
bool StartReapTimer(LaunchEnv* le) {
  if (le->reap_timer) return true;
  void* t = ::operator new(uv_handle_size(kUvTimer));
  if (uv_timer_init(le->loop, static_cast<uv_timer_s*>(t)) != 0) {
    ::operator delete(t);
    return false;
  }
  SetHandleData(t, le);
  le->open_handles++;
  if (uv_timer_start(static_cast<uv_timer_s*>(t), OnReapTimer, kReapIntervalMs, kReapIntervalMs) != 0) {
    CloseHandle(le, t);
    return false;
  }
  le->reap_timer = t;
  return true;
}

int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(434 /* pidfd_open */, pid, 0)); }

// A thread that outlives the caller reaps children nobody will watch any more: no zombie, ever.
void ReapInBackground(std::vector<pid_t> pids) {
  if (pids.empty()) return;
  std::thread([pids] {
    for (pid_t pid : pids)
      while (waitpid(pid, nullptr, kWaitAll) < 0 && errno == EINTR) {
      }
  }).detach();
}

// At environment teardown (worker exit, process exit): close handles without
// calling JS, and make sure children still running are reaped by someone.
void Teardown(void* arg) {
  LaunchEnv* le = static_cast<LaunchEnv*>(arg);
  le->tearing_down = true;
  std::vector<pid_t> orphans;
  std::vector<Watch*> all(le->watches.begin(), le->watches.end());
  for (Watch* w : all) {
    int code, sig;
    if (!TryReap(w, &code, &sig)) orphans.push_back(w->pid);
    w->cb.Reset();
    w->ctx.reset();
    Forget(w);
  }
  ReapInBackground(std::move(orphans));
  MaybeFreeEnv(le);
}

LaunchEnv* EnvOf(const Napi::CallbackInfo& info) { return static_cast<LaunchEnv*>(info.Data()); }

// ---------------------------------------------------------------- argument conversion

// A JavaScript number that must be an integer in [lo, hi]: checked as a double, then converted.
int64_t IntegerArg(Napi::Env env, Napi::Value v, const std::string& what, int64_t lo, int64_t hi) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, what + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d)
    throw Napi::RangeError::New(env, what + " must be an integer, got " + Napi::Number::New(env, d).ToString().Utf8Value());
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throw Napi::RangeError::New(env, what + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                                         ", got " + Napi::Number::New(env, d).ToString().Utf8Value());
  return static_cast<int64_t>(d);
}

std::string Str(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsString()) throw Napi::TypeError::New(env, std::string(what) + " must be a string");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.find('\0') != std::string::npos)
    throw Napi::TypeError::New(env, std::string(what) + " must not contain NUL bytes");
  return s;
}

std::vector<std::string> StrArray(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(what) + " must be an array of strings");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(Str(env, a.Get(i), what));
  return out;
}

std::vector<int> IntArray(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(what) + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int> out;
  for (uint32_t i = 0; i < a.Length(); i++) {
    std::string name = std::string(what) + "[" + std::to_string(i) + "]";
    out.push_back(static_cast<int>(IntegerArg(env, a.Get(i), name, INT32_MIN, INT32_MAX)));
  }
  return out;
}

std::vector<char*> CArray(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

rlim_t Limit(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  if (v.As<Napi::Number>().DoubleValue() == -1) return RLIM_INFINITY;  // -1 stands for 'unlimited'
  // Integers a double holds exactly; above that no two limits could be told apart anyway.
  return static_cast<rlim_t>(IntegerArg(env, v, what, 0, (int64_t{1} << 53)));
}

// spawn({ variant, file, argv, envp, cwd, stdio, keep, seal, strategy, rlimit, soft, hard, mask, ignore, setpgid, pidfd })
//   -> { pid, pidfd, err, step, strategy, signal }. Throws only for malformed arguments; a failed launch comes
//   back as err != 0 or signal != 0 (a child killed before execve, in `step`). pidfd (asked with pidfd: true,
//   the core only) is -1 or a CLOEXEC pidfd of the running child that the caller owns (watch takes it).
Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "spawn expects an options object");
  Napi::Object o = info[0].As<Napi::Object>();

  fda_spawn_fn fn = fda_spawn;
  Napi::Value variant = o.Get("variant");
  if (!variant.IsUndefined() && !variant.IsNull()) {
    std::string name = Str(env, variant, "variant");
    fn = fda_variant_by_name(name.c_str());
    if (!fn) throw Napi::RangeError::New(env, "unknown launcher variant '" + name + "'");
  }

  std::string file = Str(env, o.Get("file"), "file");
  std::vector<std::string> argv = StrArray(env, o.Get("argv"), "argv");
  // envp null: this process's environ, as libuv passes it for a NULL env. Node's process.env setters
  // call setenv on the main thread, so environ is what process.env shows there (validate.ts sends null
  // only from the main thread), and nothing is converted per launch.
  Napi::Value envv = o.Get("envp");
  bool own_environ = envv.IsNull() || envv.IsUndefined();
  std::vector<std::string> envp;
  std::string env_block;  // envp as one string: entries separated by NUL bytes
  bool by_block = envv.IsString();
  if (by_block) env_block = envv.As<Napi::String>().Utf8Value();
  else if (!own_environ) envp = StrArray(env, envv, "env");
  Napi::Value cwdv = o.Get("cwd");
  std::string cwd;
  bool has_cwd = !cwdv.IsUndefined() && !cwdv.IsNull();
  if (has_cwd) cwd = Str(env, cwdv, "cwd");
  // stdio null: this process's 0, 1, 2; one that is closed here stays closed in the child.
  Napi::Value stdiov = o.Get("stdio");
  std::vector<int> stdio;
  if (stdiov.IsNull() || stdiov.IsUndefined()) {
    for (int fd = 0; fd < 3; fd++) stdio.push_back(fcntl(fd, F_GETFD) >= 0 ? fd : -1);
  } else {
    stdio = IntArray(env, stdiov, "stdio");
  }
  std::vector<int> keep = IntArray(env, o.Get("keep"), "keep");
  std::vector<int> mask = IntArray(env, o.Get("mask"), "signalMask");
  std::vector<int> ignore = IntArray(env, o.Get("ignore"), "ignoreSignals");

  std::string strategy = Str(env, o.Get("strategy"), "closeStrategy");
  int strat = fda_strategy_from_name(strategy.c_str());
  if (strat < FDA_CLOSE_AUTO) throw Napi::RangeError::New(env, "unknown closeStrategy '" + strategy + "'");
  std::string rlimit = Str(env, o.Get("rlimit"), "rlimit");

  std::vector<char*> cargv = CArray(argv);
  std::vector<char*> cenvp;
  if (by_block) {
    // Each entry starts after a separator; the std::string's own terminator ends the last one.
    if (!env_block.empty()) {
      cenvp.push_back(env_block.data());
      for (size_t i = 0; i < env_block.size(); i++)
        if (env_block[i] == '\0') cenvp.push_back(env_block.data() + i + 1);
    }
    cenvp.push_back(nullptr);
  } else if (!own_environ) {
    cenvp = CArray(envp);
  }

  struct fda_plan plan;
  memset(&plan, 0, sizeof plan);
  plan.file = file.c_str();
  plan.argv = cargv.data();
  plan.envp = own_environ ? environ : cenvp.data();
  plan.cwd = has_cwd ? cwd.c_str() : nullptr;
  plan.stdio = stdio.data();
  plan.nstdio = static_cast<int>(stdio.size());
  plan.keep = keep.data();
  plan.nkeep = static_cast<int>(keep.size());
  plan.seal = o.Get("seal").ToBoolean().Value() ? 1 : 0;
  plan.strategy = strat;
  plan.setpgid = o.Get("setpgid").ToBoolean().Value() ? 1 : 0;
  plan.want_pidfd = o.Get("pidfd").ToBoolean().Value() ? 1 : 0;
  if (rlimit == "fd-setsize") {
    plan.rlimit_mode = FDA_RLIMIT_FD_SETSIZE;
  } else if (rlimit == "inherit") {
    plan.rlimit_mode = FDA_RLIMIT_INHERIT;
  } else if (rlimit == "explicit") {
    plan.rlimit_mode = FDA_RLIMIT_EXPLICIT;
    plan.rlimit_soft = Limit(env, o.Get("soft"), "rlimit.soft");
    Napi::Value hard = o.Get("hard");
    plan.rlimit_set_hard = !hard.IsUndefined() && !hard.IsNull();
    if (plan.rlimit_set_hard) plan.rlimit_hard = Limit(env, hard, "rlimit.hard");
  } else {
    throw Napi::RangeError::New(env, "unknown rlimit policy '" + rlimit + "'");
  }
  sigemptyset(&plan.child_mask);
  sigemptyset(&plan.child_ignore);
  for (int s : mask)
    if (fda_sigset_add(&plan.child_mask, s) != 0) throw Napi::RangeError::New(env, "bad signal number in signalMask");
  for (int s : ignore)
    if (fda_sigset_add(&plan.child_ignore, s) != 0)
      throw Napi::RangeError::New(env, "bad signal number in ignoreSignals");

  struct fda_result r;
  fda_result_init(&r);
  int rc = fn(&plan, &r);
  // Only the core hands out a pidfd, and only for a running child; never leak one whatever a variant does.
  if ((rc != 0 || fn != fda_spawn) && r.pidfd >= 0) {
    close(r.pidfd);
    r.pidfd = -1;
  }

  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, r.pid));
  out.Set("pidfd", Napi::Number::New(env, r.pidfd));
  out.Set("err", Napi::Number::New(env, rc != 0 && r.err == 0 && r.signal == 0 ? EIO : r.err));
  out.Set("signal", Napi::Number::New(env, r.signal));
  out.Set("step", Napi::String::New(env, fda_step_name(r.step)));
  out.Set("strategy", Napi::String::New(env, fda_strategy_name(r.strategy)));
  return out;
}

pid_t PidArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1) throw Napi::TypeError::New(info.Env(), "pid must be a number");
  return static_cast<pid_t>(IntegerArg(info.Env(), info[0], "pid", 1, INT32_MAX));
}

// waitpid(pid) -> { code, signal } blocking (launchSync). code null when killed by a signal; code null and
// signal 0 when the status is lost (ECHILD: the kernel reaped the child at once because this process ignores
// SIGCHLD, or someone else's waitpid(-1) took it), as launch() reports it.
Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = PidArg(info);
  int st = 0;
  pid_t r;
  do r = waitpid(pid, &st, kWaitAll);
  while (r < 0 && errno == EINTR);
  if (r < 0 && errno == ECHILD) {
    Napi::Object lost = Napi::Object::New(env);
    lost.Set("code", env.Null());
    lost.Set("signal", Napi::Number::New(env, 0));
    return lost;
  }
  if (r < 0) {
    Napi::Error e = Napi::Error::New(env, std::string("waitpid failed: ") + strerror(errno));
    e.Set("errno", Napi::Number::New(env, errno));
    throw e;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("code", WIFEXITED(st) ? Napi::Value(Napi::Number::New(env, WEXITSTATUS(st))) : env.Null());
  out.Set("signal", Napi::Number::New(env, WIFSIGNALED(st) ? WTERMSIG(st) : 0));
  return out;
}

// Watches w through w->pidfd on the loop. false (pidfd closed, handle released) when the loop cannot poll it.
bool WatchByPidfd(LaunchEnv* le, Watch* w) {
  w->poll = ::operator new(uv_handle_size(kUvPoll));
  SetHandleData(w->poll, w);
  if (uv_poll_init(le->loop, static_cast<uv_poll_s*>(w->poll), w->pidfd) != 0) {
    // A pidfd the kernel cannot poll (5.2 had CLONE_PIDFD, poll came in 5.3), or the loop refused it.
    ::operator delete(w->poll);
    w->poll = nullptr;
  } else {
    SetHandleData(w->poll, w);  // init leaves `data` alone in libuv 1.x; set it again regardless
    le->open_handles++;
    if (uv_poll_start(static_cast<uv_poll_s*>(w->poll), kUvReadable, OnPidfdReadable) == 0) return true;
    CloseHandle(le, w->poll);  // initialized: released through uv_close, before the fd is closed
    w->poll = nullptr;
  }
  close(w->pidfd);
  w->pidfd = -1;
  return false;
}

// watch(pid, cb(code|null, signo), forceSigchld?, pidfd?) -> 'pidfd' | 'sigchld': cb runs on the event loop once
// pid has exited and been reaped. pidfd: one spawn handed back (owned from here on, closed in every case), else
// -1 or absent to open one; forceSigchld skips pidfds (for tests of the fallback).
Napi::Value WatchPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LaunchEnv* le = EnvOf(info);
  int given = -1;
  if (info.Length() > 3 && !info[3].IsUndefined()) given = static_cast<int>(IntegerArg(env, info[3], "pidfd", -1, INT32_MAX));
  pid_t pid;
  try {
    pid = PidArg(info);
    if (info.Length() < 2 || !info[1].IsFunction()) throw Napi::TypeError::New(env, "watch expects a callback");
  } catch (...) {
    if (given >= 0) close(given);
    throw;
  }

  auto* w = new Watch();
  w->le = le;
  w->pid = pid;
  w->cb = Napi::Persistent(info[1].As<Napi::Function>());
  w->ctx = std::make_unique<Napi::AsyncContext>(env, "fdaudit:exit");
  le->watches.insert(w);

  bool force_sigchld = info.Length() > 2 && info[2].ToBoolean().Value();
  if (force_sigchld && given >= 0) close(given);
  w->pidfd = force_sigchld ? -1 : given >= 0 ? given : PidfdOpen(pid);
  if (w->pidfd >= 0 && WatchByPidfd(le, w)) return Napi::String::New(env, "pidfd");

  // No pidfd: SIGCHLD through the loop, then waitpid on exactly our pids; and the periodic look, which alone
  // still notices the exit where libuv cannot watch signals (its signal pipe needs two free fds).
  le->by_signal.insert(w);
  int err = le->sigchld ? 0 : StartSigchld(le);
  if (!StartReapTimer(le) && err != 0) {
    w->cb.Reset();
    Forget(w);
    ReapInBackground({pid});
    throw Napi::Error::New(env, std::string("cannot watch the child's exit: libuv error ") + std::to_string(err));
  }
  // The child may have exited before the watch started: its SIGCHLD is gone, so look now.
  int code, sig;
  if (TryReap(w, &code, &sig)) {
    Napi::Value c = code >= 0 ? Napi::Value(Napi::Number::New(env, code)) : env.Null();
    Napi::FunctionReference cb = std::move(w->cb);
    Forget(w);
    cb.Call({c, Napi::Number::New(env, sig)});
  }
  return Napi::String::New(env, "sigchld");
}

Napi::Value GetRlimitNofile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) throw Napi::Error::New(env, "getrlimit(RLIMIT_NOFILE) failed");
  Napi::Object o = Napi::Object::New(env);
  o.Set("soft", Napi::Number::New(env, rl.rlim_cur == RLIM_INFINITY ? -1.0 : static_cast<double>(rl.rlim_cur)));
  o.Set("hard", Napi::Number::New(env, rl.rlim_max == RLIM_INFINITY ? -1.0 : static_cast<double>(rl.rlim_max)));
  return o;
}

Napi::Value FdIsOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1) throw Napi::TypeError::New(env, "fd must be a number");
  int fd = static_cast<int>(IntegerArg(env, info[0], "fd", 0, INT32_MAX));
  return Napi::Boolean::New(env, fcntl(fd, F_GETFD) >= 0);
}

Napi::Value PidfdAvailable(const Napi::CallbackInfo& info) {
  int fd = PidfdOpen(getpid());
  if (fd >= 0) close(fd);
  return Napi::Boolean::New(info.Env(), fd >= 0);
}

// Whether the running kernel (and seccomp profile) lets close_range work, asked on a range that closes nothing.
Napi::Value CloseRangeAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), syscall(436 /* close_range */, ~0U, ~0U, 0) == 0);
}

Napi::Value StrError(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1) throw Napi::TypeError::New(env, "errno must be a number");
  int err = static_cast<int>(IntegerArg(env, info[0], "errno", 0, INT32_MAX));
  char buf[256];
  // The GNU strerror_r returns the text (maybe a static string), thread-safe unlike strerror.
  const char* text = strerror_r(err, buf, sizeof buf);
  return Napi::String::New(env, text);
}

}  // namespace

void RegisterLaunch(Napi::Env env, Napi::Object exports) {
  auto* le = new LaunchEnv();
  le->env = env;
  if (napi_get_uv_event_loop(env, &le->loop) != napi_ok) throw Napi::Error::New(env, "no event loop");
  napi_add_env_cleanup_hook(env, Teardown, le);

  Napi::Object o = Napi::Object::New(env);
  o.Set("spawn", Napi::Function::New(env, Spawn, "spawn"));
  o.Set("waitpid", Napi::Function::New(env, WaitPid, "waitpid"));
  o.Set("watch", Napi::Function::New(env, WatchPid, "watch", le));
  o.Set("getRlimitNofile", Napi::Function::New(env, GetRlimitNofile, "getRlimitNofile"));
  o.Set("fdIsOpen", Napi::Function::New(env, FdIsOpen, "fdIsOpen"));
  o.Set("pidfdAvailable", Napi::Function::New(env, PidfdAvailable, "pidfdAvailable"));
  o.Set("strerror", Napi::Function::New(env, StrError, "strerror"));
  o.Set("closeRangeAvailable", Napi::Function::New(env, CloseRangeAvailable, "closeRangeAvailable"));
  exports.Set("launch", o);
}

// describeFd(fd): the probe's description of one fd in this process, computed
// by the same C code (native/probe/describe.c) the probe runs, so a bait's
// identity compares equal with what the probe reports for it in a child.
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "parts.h"
#include "probe/describe.h"

namespace {

Napi::Value DescribeFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(env, "describeFd(fd): fd must be a number");
  }
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 0 && n <= 2147483647.0) || n != static_cast<double>(static_cast<int>(n))) {
    throw Napi::RangeError::New(env, "describeFd(fd): fd must be an integer in 0..2147483647");
  }
  // The target buffer is large; keep it off the (possibly small) JS thread stack.
  auto d = std::make_unique<fda_fd_desc>();
  int rc = fda_describe_fd(static_cast<int>(n), d.get());
  if (rc < 0) {
    Napi::Error err = Napi::Error::New(env, std::string("describeFd(") + std::to_string(static_cast<int>(n)) +
                                                "): " + std::strerror(-rc));
    err.Set("code", Napi::String::New(env, -rc == EBADF ? "EBADF" : "EIO"));
    err.Set("errno", Napi::Number::New(env, -rc));
    err.Set("syscall", Napi::String::New(env, "fstat"));
    throw err;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("fd", Napi::Number::New(env, d->fd));
  // Raw bytes: a target need not be UTF-8; src/probe/describe.ts decodes them
  // with the probe's mapping for malformed sequences.
  o.Set("target", Napi::Buffer<char>::Copy(env, d->target, std::strlen(d->target)));
  o.Set("type", Napi::String::New(env, d->type));
  o.Set("dev", Napi::String::New(env, d->dev));
  o.Set("ino", Napi::String::New(env, d->ino));
  o.Set("flags", Napi::String::New(env, d->flags));
  o.Set("pos", Napi::String::New(env, d->pos));
  o.Set("identity", Napi::String::New(env, d->identity));
  return o;
}

}  // namespace

void RegisterProbe(Napi::Env env, Napi::Object exports) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("describeFd", Napi::Function::New(env, DescribeFd, "describeFd"));
  exports.Set("probe", o);
}

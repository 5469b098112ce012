// Module entry. node-addon-api's NODE_API_MODULE registers a context-aware
// Node-API module, so the addon loads in worker_threads too; per-environment
// state lives in instance data owned by each part, never in globals.
#include "parts.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  RegisterLaunch(env, exports);
  RegisterFdOps(env, exports);
  RegisterProbe(env, exports);
  return exports;
}

NODE_API_MODULE(fdaudit, Init)

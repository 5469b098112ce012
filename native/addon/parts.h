// Each part of the binding registers its functions on the module's exports.
// One .cc file per part, owned by the module it serves.
#pragma once
#include <napi.h>

void RegisterLaunch(Napi::Env env, Napi::Object exports);  // launch.cc: launchSync/spawn/watch
void RegisterFdOps(Napi::Env env, Napi::Object exports);   // fdops.cc: bait fds, rlimits, signals
void RegisterProbe(Napi::Env env, Napi::Object exports);   // probe.cc: fd description/identity shared with the probe

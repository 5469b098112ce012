#include "parts.h"
void RegisterFdOps(Napi::Env, Napi::Object) {}

#include "parts.h"
void RegisterProbe(Napi::Env, Napi::Object) {}

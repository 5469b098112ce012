#include "parts.h"
void RegisterLaunch(Napi::Env, Napi::Object) {}

// CommandEnv: what main() hands every command: the global options, the log,
// where results go, and (test builds only) the test hooks. Commands get it
// by const reference for the length of their run and never keep it.
#pragma once

#include <cstdio>

#include "agent/config/ini_file.h"
#include "agent/log.h"

namespace agent {

class TestHooks;  // agent/test_hooks.h

// Options accepted before or after any command.
struct GlobalOptions {
  config::ConfigSources config;  // --config-file / --config-dir, in order
  DebugLogging debug = DebugLogging::kNo;
};

struct CommandEnv {
  const GlobalOptions& global;
  const Log& log;
  std::FILE* out;                     // command output (stdout)
  const TestHooks* hooks = nullptr;   // nullptr except in a binary built with -Dtest_hooks=true
};

}  // namespace agent

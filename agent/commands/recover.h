// `bdm-agent recover`: finishes refreshes that did not finish (a crash, or a
// database or Cinder that stayed unreachable), from their journals; see
// agent/refresh/reconcile.h for what "finish" means. --dry-run prints what it
// would do.
#pragma once

#include <string>
#include <vector>

#include "agent/command_env.h"

namespace agent::commands {

int RunRecover(const std::vector<std::string>& args, const CommandEnv& env);

}  // namespace agent::commands

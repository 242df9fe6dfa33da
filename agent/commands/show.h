// `bdm-agent show`: prints every attribute of one block device mapping, found
// by BDM uuid (all cells are searched) or by instance + volume (nova-manage's
// form). Reads the API and cell databases only: no broker, no Cinder, no
// writes. Exit codes: 0, 2 (instance not found), 3 (BDM not found), and the
// shared codes of exit_codes.h.
#pragma once

#include <string>
#include <vector>

#include "agent/command_env.h"

namespace agent::commands {

int RunShow(const std::vector<std::string>& args, const CommandEnv& env);

}  // namespace agent::commands

// `bdm-agent refresh`: replaces the Cinder attachment of one volume BDM of a
// stopped instance and stores its fresh connection_info, as
// `nova-manage volume_attachment refresh` does, with every check made before
// the first change and a journal that `bdm-agent recover` can finish from.
#pragma once

#include <string>
#include <vector>

#include "agent/command_env.h"

namespace agent::commands {

int RunRefresh(const std::vector<std::string>& args, const CommandEnv& env);

}  // namespace agent::commands

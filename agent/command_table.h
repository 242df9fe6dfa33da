// The table of bdm-agent's subcommands: name, one-line summary and entry
// point. `bdm-agent --help` lists it; an unknown name gets a "did you mean".
// Each command lives in agent/commands/<name>.cpp, parses its own options
// and returns its exit code (agent/exit_codes.h); only main() exits.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/command_env.h"

namespace agent {

using CommandRun = int (*)(const std::vector<std::string>& args, const CommandEnv& env);

struct Command {
  std::string_view name;
  std::string_view summary;
  CommandRun run;
};

std::span<const Command> AllCommands();
const Command* FindCommand(std::string_view name);
// The closest command name, if one is close enough to be a likely typo.
std::optional<std::string_view> SuggestCommand(std::string_view name);

}  // namespace agent

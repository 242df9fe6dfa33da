#include "agent/command_table.h"

#include <algorithm>
#include <array>

#include "agent/commands/audit.h"
#include "agent/commands/get_connector.h"
#include "agent/commands/recover.h"
#include "agent/commands/refresh.h"
#include "agent/commands/serve.h"
#include "agent/commands/show.h"
#include "agent/commands/trace.h"

namespace agent {
namespace {

constexpr std::array kCommands = {
    Command{"show", "show all attributes of one block device mapping", commands::RunShow},
    Command{"refresh", "replace a stopped instance's volume attachment and store fresh connection_info",
            commands::RunRefresh},
    Command{"recover", "finish refreshes that were interrupted (from their journals)", commands::RunRecover},
    Command{"audit", "compare every selected volume BDM with Cinder, in bulk, and classify it (read-only)",
            commands::RunAudit},
    Command{"get-connector", "print this host's os-brick connector (as nova-manage get_connector)",
            commands::RunGetConnector},
    Command{"serve", "answer RPC calls and casts (ping, show, get_connector, refresh) as an oslo.messaging server",
            commands::RunServe},
    Command{"trace", "record broker traffic to a file, decode (secrets masked), replay and diff it",
            commands::RunTrace},
};

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::span<const Command> AllCommands() { return kCommands; }

const Command* FindCommand(std::string_view name) {
  for (const Command& command : kCommands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

std::optional<std::string_view> SuggestCommand(std::string_view name) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 3;  // more than two edits is not a typo
  for (const Command& command : kCommands) {
    const std::size_t d = EditDistance(name, command.name);
    if (d < best_distance) {
      best_distance = d;
      best = command.name;
    }
  }
  return best;
}

}  // namespace agent

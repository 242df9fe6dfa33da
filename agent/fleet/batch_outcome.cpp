#include "agent/fleet/batch_outcome.h"

#include <array>
#include <utility>

#include "agent/exit_codes.h"

namespace agent::fleet {
namespace {

constexpr std::array<std::pair<BatchOutcome, std::string_view>, 7> kNames = {{
    {BatchOutcome::kRefreshed, "refreshed"},
    {BatchOutcome::kAlreadyRefreshed, "already-refreshed"},
    {BatchOutcome::kSkipped, "skipped"},
    {BatchOutcome::kRolledBack, "rolled-back"},
    {BatchOutcome::kKeptReserved, "kept-reserved"},
    {BatchOutcome::kNeedsRecovery, "needs-recovery"},
    {BatchOutcome::kFailed, "failed"},
}};

}  // namespace

std::string_view BatchOutcomeName(BatchOutcome outcome) {
  for (const auto& [o, name] : kNames) {
    if (o == outcome) return name;
  }
  return "failed";
}

std::optional<BatchOutcome> BatchOutcomeByName(std::string_view name) {
  for (const auto& [o, n] : kNames) {
    if (n == name) return o;
  }
  return std::nullopt;
}

bool IsFailure(BatchOutcome outcome) {
  return outcome != BatchOutcome::kRefreshed && outcome != BatchOutcome::kAlreadyRefreshed &&
         outcome != BatchOutcome::kSkipped;
}

std::optional<BatchOutcome> OutcomeOf(const commands::RefreshEnding& ending) {
  namespace ec = exit_code;
  switch (ending.code) {
    case ec::kOk:
      return ending.attachment_changed ? BatchOutcome::kAlreadyRefreshed : BatchOutcome::kRefreshed;
    case ec::kInterrupted:
      return std::nullopt;
    // The BDM or its instance is not in a state to be refreshed; nothing was changed.
    case ec::kRefreshConnectorMissing:
    case ec::kRefreshConnectorInvalid:
    case ec::kRefreshInstanceNotFound:
    case ec::kRefreshInstanceState:
    case ec::kRefreshBdmNotFound:
    case ec::kRefreshHostConflict:
    case ec::kRefreshInstanceLocked:
    case ec::kRefreshTaskInProgress:
    case ec::kRefreshNotLibvirt:
    case ec::kRefreshNotVolumeBdm:
    case ec::kRefreshAlreadyRunning:
    case ec::kInstanceDeleted:
      return BatchOutcome::kSkipped;
    case ec::kRefreshComputeFailed:
    case ec::kRefreshCinderFailed:
      return BatchOutcome::kRolledBack;
    case ec::kRefreshKeptReserved:
      return BatchOutcome::kKeptReserved;
    case ec::kRefreshNeedsRecovery:
      return BatchOutcome::kNeedsRecovery;
    default:
      return BatchOutcome::kFailed;
  }
}

}  // namespace agent::fleet

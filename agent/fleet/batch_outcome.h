// BatchOutcome: what became of one BDM of a batch refresh, from the single
// refresh's ending (agent/commands/refresh_setup.h), and which outcomes are
// failures. Skipped BDMs (not in a state to be refreshed, never forced: not
// stopped, locked, busy, not libvirt, no connector for the host, gone) are
// counted apart and are not failures; neither is a BDM found already
// refreshed (by an earlier, interrupted run of the batch, or by someone else
// since the plan). A refresh interrupted by a stop request has no outcome:
// it is left for resume, which decides from the live state.
//
// Pure functions, no state.
#pragma once

#include <optional>
#include <string_view>

#include "agent/commands/refresh_setup.h"

namespace agent::fleet {

enum class BatchOutcome {
  kRefreshed,
  kAlreadyRefreshed,
  kSkipped,
  kRolledBack,     // the refresh failed and was rolled back (compute or Cinder)
  kKeptReserved,   // the old attachment was gone and no new connection came: refresh again later
  kNeedsRecovery,  // a peer stayed unreachable: `bdm-agent recover` finishes it
  kFailed,         // anything else (a database error, bad data, ...)
};

inline constexpr BatchOutcome kAllBatchOutcomes[] = {
    BatchOutcome::kRefreshed,    BatchOutcome::kAlreadyRefreshed, BatchOutcome::kSkipped, BatchOutcome::kRolledBack,
    BatchOutcome::kKeptReserved, BatchOutcome::kNeedsRecovery,    BatchOutcome::kFailed,
};

std::string_view BatchOutcomeName(BatchOutcome outcome);
std::optional<BatchOutcome> BatchOutcomeByName(std::string_view name);
bool IsFailure(BatchOutcome outcome);

// nullopt: the refresh was interrupted (exit_code::kInterrupted) and has no outcome yet.
std::optional<BatchOutcome> OutcomeOf(const commands::RefreshEnding& ending);

}  // namespace agent::fleet

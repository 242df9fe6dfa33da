#include "agent/fleet/batch_outcome.h"

#include <doctest/doctest.h>

#include "agent/exit_codes.h"

namespace {

using agent::fleet::BatchOutcome;
using agent::fleet::OutcomeOf;
namespace ec = agent::exit_code;

agent::commands::RefreshEnding Ending(int code, bool changed = false) {
  agent::commands::RefreshEnding e;
  e.code = code;
  e.attachment_changed = changed;
  return e;
}

TEST_CASE("a batch BDM's outcome follows the single refresh's exit code") {
  CHECK(OutcomeOf(Ending(ec::kOk)) == BatchOutcome::kRefreshed);
  CHECK(OutcomeOf(Ending(ec::kOk, true)) == BatchOutcome::kAlreadyRefreshed);
  CHECK_FALSE(OutcomeOf(Ending(ec::kInterrupted)).has_value());
  for (int skipped : {ec::kRefreshInstanceState, ec::kRefreshInstanceLocked, ec::kRefreshTaskInProgress,
                      ec::kRefreshNotLibvirt, ec::kRefreshConnectorMissing, ec::kRefreshAlreadyRunning,
                      ec::kInstanceDeleted, ec::kRefreshBdmNotFound}) {
    CHECK_MESSAGE(OutcomeOf(Ending(skipped)) == BatchOutcome::kSkipped, skipped);
  }
  CHECK(OutcomeOf(Ending(ec::kRefreshComputeFailed)) == BatchOutcome::kRolledBack);
  CHECK(OutcomeOf(Ending(ec::kRefreshCinderFailed)) == BatchOutcome::kRolledBack);
  CHECK(OutcomeOf(Ending(ec::kRefreshKeptReserved)) == BatchOutcome::kKeptReserved);
  CHECK(OutcomeOf(Ending(ec::kRefreshNeedsRecovery)) == BatchOutcome::kNeedsRecovery);
  CHECK(OutcomeOf(Ending(ec::kCellDbUnavailable)) == BatchOutcome::kFailed);
  CHECK(OutcomeOf(Ending(ec::kRefreshCinderUnavailable)) == BatchOutcome::kFailed);
}

TEST_CASE("skipped and already-refreshed BDMs are not failures; names read back") {
  for (BatchOutcome o : agent::fleet::kAllBatchOutcomes) {
    CHECK(agent::fleet::BatchOutcomeByName(agent::fleet::BatchOutcomeName(o)) == o);
  }
  CHECK_FALSE(agent::fleet::IsFailure(BatchOutcome::kSkipped));
  CHECK_FALSE(agent::fleet::IsFailure(BatchOutcome::kAlreadyRefreshed));
  CHECK(agent::fleet::IsFailure(BatchOutcome::kKeptReserved));
  CHECK_FALSE(agent::fleet::BatchOutcomeByName("nope").has_value());
}

}  // namespace

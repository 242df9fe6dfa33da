// RefreshNotice: what a batch run over RPC (`refresh --via-rpc`) learns of
// one BDM's refresh from the serve agents' oslo.messaging notifications
// (bdm_agent.refresh.end / .error, agent/serve/oslo_refresh_events.h), and
// how it becomes a batch outcome:
//   - each cast carries its own context request_id, which serve copies into
//     its notifications' context: that id names the BDM (MatchNotice; the
//     payload's bdm_uuid, when both are known, must agree);
//   - .end: the payload's "outcome" ("refreshed" or "already-refreshed");
//   - .error: the payload's error_class, the remote exception class of
//     agent/serve/failure_classes.h, is mapped back to refresh's exit code
//     and then to the outcome the in-process batch gives that code
//     (batch_outcome.h). "Interrupted" (the agent stopped before finishing;
//     the message goes back to the broker for another agent) is no outcome.
// Pure functions; a message that is not such a notification is nullopt,
// never an error.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "agent/fleet/batch_outcome.h"
#include "agent/fleet/run_journal.h"

namespace agent::fleet {

struct RefreshNotice {
  bool error = false;  // .error (else .end)
  std::string request_id;
  std::optional<std::string> bdm_uuid;
  std::string outcome;  // .end's "outcome"; absent (a 1.0 agent): "refreshed"
  bool taken_over = false;
  std::string error_class, error_message;
  std::string publisher_id;
};

// The notice in an AMQP message body (the 2.0 envelope or a 1.0 message);
// nullopt for any other message or one that does not read.
std::optional<RefreshNotice> ReadRefreshNotice(std::string_view body);

// Refresh's exit code for a remote error class (the inverse of
// serve::FailureClass for refresh); exit_code::kUnexpected for a class it
// does not know.
int RefreshExitCodeOfClass(std::string_view error_class);

struct NoticeOutcome {
  std::optional<BatchOutcome> outcome;  // nullopt: no outcome yet (wait on)
  int exit_code = 0;
  std::string detail;
};

NoticeOutcome OutcomeOfNotice(const RefreshNotice& notice);

// The index of the BDM in flight that `notice` is about: by the request id
// its cast was given (`in_flight`: request id -> plan index), checked
// against the payload's bdm_uuid when the plan has one. nullopt: none (a
// notice of another run, another caller, or a BDM already ended).
std::optional<std::size_t> MatchNotice(const RefreshNotice& notice,
                                       const std::map<std::string, std::size_t, std::less<>>& in_flight,
                                       const RunState& state);

}  // namespace agent::fleet

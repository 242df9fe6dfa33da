// Takeover: whether a refresh request that finds its instance locked may
// finish the refresh another agent started for the very same request (issue
// 12, `refresh --via-rpc`). The coordinator of a batch puts the lock, action
// and unlock request ids of each BDM's refresh in its cast, so every agent
// that receives the message would lock with the same ids. An agent killed
// mid-refresh leaves the message unacked; RabbitMQ redelivers it to another
// agent, which normally has another state dir and so not the dead agent's
// journal. It recognises the lock as this request's when
//   - the instance is locked with the reason this refresh locks with, and
//   - the instance action "lock" carries the request's lock request id,
// and takes it over (rebuilds the journal's begin from the message and the
// live state, then reconciles: reconcile.h) only when, besides,
//   - the broker marked the message redelivered (its first consumer is gone:
//     it was killed, or lost its broker connection), and
//   - the lock action is at least `min_lock_age` old (database clock), so
//     that an agent which lost only its broker connection and still runs
//     has had that long to finish: a guard, not a proof (README says so).
// A lock that is ours but younger waits until it is old enough (kWait); one
// that is ours on a message that was not redelivered is refused (two
// copies of one request must never both run).
//
// Pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace agent::refresh {

struct TakeoverFacts {
  bool redelivered = false;
  std::optional<std::string> locked_reason;   // the instance's lock reason; nullopt: not locked
  std::string lock_reason;                    // the reason this refresh locks with
  std::optional<std::int64_t> lock_action_age_seconds;  // the "lock" action with our id; nullopt: none
  std::chrono::seconds min_lock_age{0};
};

enum class TakeoverKind {
  kNotOurs,   // not locked, or not by this request: the ordinary checks decide
  kTakeOver,  // finish (or roll back) the refresh the lock belongs to
  kWait,      // ours, but too young: ask again after `wait`
  kRefuse,    // ours, but the message was not redelivered: another copy may be running
};

struct TakeoverDecision {
  TakeoverKind kind = TakeoverKind::kNotOurs;
  std::chrono::seconds wait{0};  // kWait only
  std::string why;               // one line for the log
};

TakeoverDecision DecideTakeover(const TakeoverFacts& facts);

}  // namespace agent::refresh

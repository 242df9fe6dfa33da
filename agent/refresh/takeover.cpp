#include "agent/refresh/takeover.h"

namespace agent::refresh {

TakeoverDecision DecideTakeover(const TakeoverFacts& facts) {
  TakeoverDecision d;
  if (!facts.locked_reason) {
    d.why = "the instance is not locked";
    return d;
  }
  if (*facts.locked_reason != facts.lock_reason || !facts.lock_action_age_seconds) {
    d.why = "the instance is locked, but not by this request's refresh";
    return d;
  }
  if (!facts.redelivered) {
    d.kind = TakeoverKind::kRefuse;
    d.why = "the instance is locked by this request's refresh, and the message was not redelivered: "
            "another copy of the request may be running";
    return d;
  }
  const std::int64_t age = *facts.lock_action_age_seconds;
  if (age < facts.min_lock_age.count()) {
    d.kind = TakeoverKind::kWait;
    d.wait = std::chrono::seconds(facts.min_lock_age.count() - age);
    d.why = "the instance is locked by this request's refresh since " + std::to_string(age) +
            " s; taking it over once the lock is " + std::to_string(facts.min_lock_age.count()) + " s old";
    return d;
  }
  d.kind = TakeoverKind::kTakeOver;
  d.why = "the instance is locked by this request's refresh since " + std::to_string(age) +
          " s and the message was redelivered: taking the refresh over";
  return d;
}

}  // namespace agent::refresh

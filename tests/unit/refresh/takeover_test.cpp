#include "agent/refresh/takeover.h"

#include <doctest/doctest.h>

namespace agent::refresh {
namespace {

TakeoverFacts Ours() {
  TakeoverFacts f;
  f.redelivered = true;
  f.locked_reason = "refresh BDM b";
  f.lock_reason = "refresh BDM b";
  f.lock_action_age_seconds = 30;
  f.min_lock_age = std::chrono::seconds(20);
  return f;
}

TEST_CASE("DecideTakeover") {
  SUBCASE("a redelivered request whose lock is old enough takes over") {
    CHECK(DecideTakeover(Ours()).kind == TakeoverKind::kTakeOver);
    TakeoverFacts f = Ours();
    f.lock_action_age_seconds = 20;  // exactly the bound
    CHECK(DecideTakeover(f).kind == TakeoverKind::kTakeOver);
  }
  SUBCASE("not locked: the ordinary checks decide") {
    TakeoverFacts f = Ours();
    f.locked_reason.reset();
    CHECK(DecideTakeover(f).kind == TakeoverKind::kNotOurs);
  }
  SUBCASE("locked for another reason (an operator, another refresh): not ours") {
    TakeoverFacts f = Ours();
    f.locked_reason = "maintenance";
    CHECK(DecideTakeover(f).kind == TakeoverKind::kNotOurs);
  }
  SUBCASE("same reason but no lock action with this request's id: another run's refresh, not ours") {
    TakeoverFacts f = Ours();
    f.lock_action_age_seconds.reset();
    CHECK(DecideTakeover(f).kind == TakeoverKind::kNotOurs);
  }
  SUBCASE("ours but the message was not redelivered: refused, whatever the age") {
    TakeoverFacts f = Ours();
    f.redelivered = false;
    f.lock_action_age_seconds = 100000;
    CHECK(DecideTakeover(f).kind == TakeoverKind::kRefuse);
  }
  SUBCASE("ours, redelivered, too young: wait for the rest of the bound") {
    TakeoverFacts f = Ours();
    f.lock_action_age_seconds = 5;
    const TakeoverDecision d = DecideTakeover(f);
    CHECK(d.kind == TakeoverKind::kWait);
    CHECK(d.wait == std::chrono::seconds(15));
    CHECK(d.why.find("20 s old") != std::string::npos);
  }
}

}  // namespace
}  // namespace agent::refresh

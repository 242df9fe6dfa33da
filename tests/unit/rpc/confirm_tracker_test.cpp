// Unit tests of rpc/confirm_tracker: publishes settled by basic.ack/nack
// (single and multiple), a basic.return matched to its publish by routing
// key and body among publishes to the same and other queues, and TakeAll.
#include "rpc/confirm_tracker.h"

#include <doctest/doctest.h>

namespace {

using rpc::ConfirmEvent;
using rpc::ConfirmTracker;
using Outcome = ConfirmTracker::Outcome;

const ConfirmTracker::Clock::time_point t0{};

ConfirmTracker::Entry Reply(std::uint64_t job, std::string queue, std::string body) {
  return ConfirmTracker::Entry{job, false, t0, std::move(queue), std::move(body)};
}
ConfirmEvent Ack(std::uint64_t sequence, bool multiple = false) {
  return ConfirmEvent{ConfirmEvent::Kind::kAck, sequence, multiple, {}, {}};
}
ConfirmEvent Nack(std::uint64_t sequence, bool multiple = false) {
  return ConfirmEvent{ConfirmEvent::Kind::kNack, sequence, multiple, {}, {}};
}
ConfirmEvent Return(std::string queue, std::string body) {
  return ConfirmEvent{ConfirmEvent::Kind::kReturn, 0, false, std::move(queue), std::move(body)};
}

}  // namespace

TEST_CASE("rpc::ConfirmTracker settles acks and nacks, single and multiple") {
  ConfirmTracker tracker;
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    tracker.Add(seq, Reply(100 + seq, "q", "b" + std::to_string(seq)), t0 + std::chrono::seconds(seq));
  }
  CHECK(tracker.OldestDeadline() == t0 + std::chrono::seconds(1));
  auto settled = tracker.Apply(Ack(2));
  REQUIRE(settled.size() == 1);
  CHECK(settled[0].entry.payload == 102);
  CHECK(settled[0].outcome == Outcome::kConfirmed);
  CHECK(tracker.Apply(Ack(2)).empty());  // already settled
  CHECK(tracker.Apply(Ack(99)).empty());  // not ours
  settled = tracker.Apply(Ack(3, true));  // 1 and 3
  REQUIRE(settled.size() == 2);
  CHECK(settled[0].entry.payload == 101);
  CHECK(settled[1].entry.payload == 103);
  CHECK(tracker.OldestDeadline() == t0 + std::chrono::seconds(4));
  settled = tracker.Apply(Nack(5, true));
  REQUIRE(settled.size() == 2);
  CHECK(settled[0].outcome == Outcome::kNacked);
  CHECK(settled[1].entry.body == "b5");
  CHECK(tracker.empty());
  CHECK_FALSE(tracker.OldestDeadline());
}

TEST_CASE("rpc::ConfirmTracker matches a basic.return to its publish") {
  ConfirmTracker tracker;
  // Replies to a present queue "live" around two to a missing one "gone".
  tracker.Add(1, Reply(1, "live", "l1"), t0);
  tracker.Add(2, Reply(2, "gone", "g2"), t0);
  tracker.Add(3, Reply(3, "live", "l3"), t0);
  tracker.Add(4, Reply(4, "gone", "g4"), t0);
  tracker.Add(5, Reply(5, "live", "l5"), t0);

  SUBCASE("the return of a later message before the ack of an earlier one") {
    // The broker returns 4 (unroutable) while 1..3 are not confirmed yet.
    CHECK(tracker.Apply(Return("gone", "g4")).empty());
    auto settled = tracker.Apply(Ack(4, true));
    REQUIRE(settled.size() == 4);
    CHECK(settled[0].outcome == Outcome::kConfirmed);  // 1
    CHECK(settled[1].outcome == Outcome::kConfirmed);  // 2: routed before its queue went
    CHECK(settled[2].outcome == Outcome::kConfirmed);  // 3
    CHECK(settled[3].outcome == Outcome::kReturned);   // 4
    settled = tracker.Apply(Ack(5));
    REQUIRE(settled.size() == 1);
    CHECK(settled[0].outcome == Outcome::kConfirmed);
    CHECK(tracker.unmatched() == 0);
  }
  SUBCASE("both returned, acked one by one") {
    tracker.Apply(Return("gone", "g2"));
    tracker.Apply(Return("gone", "g4"));
    std::vector<Outcome> outcomes;
    for (std::uint64_t seq = 1; seq <= 5; ++seq) {
      for (auto& settled : tracker.Apply(Ack(seq))) outcomes.push_back(settled.outcome);
    }
    CHECK(outcomes == std::vector<Outcome>{Outcome::kConfirmed, Outcome::kReturned, Outcome::kConfirmed,
                                           Outcome::kReturned, Outcome::kConfirmed});
  }
  SUBCASE("a returned body too large to keep: the oldest unreturned publish with that key") {
    tracker.Apply(Return("gone", ""));
    auto settled = tracker.Apply(Ack(2));
    REQUIRE(settled.size() == 1);
    CHECK(settled[0].outcome == Outcome::kReturned);
    CHECK(tracker.Apply(Ack(4))[0].outcome == Outcome::kConfirmed);
  }
  SUBCASE("a returned nacked message is nacked (published again)") {
    tracker.Apply(Return("gone", "g2"));
    CHECK(tracker.Apply(Nack(2))[0].outcome == Outcome::kNacked);
  }
  SUBCASE("a return that matches nothing is counted and settles nothing") {
    tracker.Apply(Return("other", "x"));
    tracker.Apply(Return("gone", "not a body we sent"));
    CHECK(tracker.unmatched() == 2);
    for (auto& settled : tracker.Apply(Ack(5, true))) CHECK(settled.outcome == Outcome::kConfirmed);
  }
  SUBCASE("TakeAll hands back the unsettled in publish order") {
    tracker.Apply(Ack(2));
    auto all = tracker.TakeAll();
    REQUIRE(all.size() == 4);
    CHECK(all[0].payload == 1);
    CHECK(all[1].payload == 3);
    CHECK(all[3].body == "l5");
    CHECK(tracker.empty());
    CHECK(tracker.Apply(Ack(5, true)).empty());
  }
}

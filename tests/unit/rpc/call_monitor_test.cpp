// Unit tests of rpc/call_monitor: when an RPC server sends oslo's
// call-monitor heartbeats (int(_timeout) / 2 seconds, from the start).
#include "rpc/call_monitor.h"

#include <cmath>
#include <limits>

#include <doctest/doctest.h>

using std::chrono::milliseconds;

TEST_CASE("rpc::CallMonitorInterval follows oslo's _watchdog") {
  SUBCASE("half of int(_timeout)") {
    CHECK(rpc::CallMonitorInterval(60.0) == milliseconds(30000));
    CHECK(rpc::CallMonitorInterval(3.9) == milliseconds(1500));  // int(3.9) == 3
    CHECK(rpc::CallMonitorInterval(2.0) == milliseconds(1000));
  }
  SUBCASE("none without a timeout, for 0, or below one second") {
    CHECK_FALSE(rpc::CallMonitorInterval(std::nullopt));
    CHECK_FALSE(rpc::CallMonitorInterval(0.0));
    CHECK_FALSE(rpc::CallMonitorInterval(1.9));  // int() is 1: 0.5 s, oslo refuses it
    CHECK_FALSE(rpc::CallMonitorInterval(-10.0));
    CHECK_FALSE(rpc::CallMonitorInterval(std::numeric_limits<double>::quiet_NaN()));
  }
}

TEST_CASE("rpc::CallMonitorSchedule") {
  using Clock = rpc::CallMonitorSchedule::Clock;
  const Clock::time_point t0{};
  rpc::CallMonitorSchedule schedule;
  CHECK_FALSE(schedule.NextDue());
  schedule.Add(1, milliseconds(1000), t0);
  schedule.Add(2, milliseconds(1500), t0 + milliseconds(100));

  SUBCASE("the first heartbeat one interval after the start, then every interval") {
    CHECK(schedule.NextDue() == t0 + milliseconds(1000));
    CHECK(schedule.TakeDue(t0 + milliseconds(999)).empty());
    CHECK(schedule.TakeDue(t0 + milliseconds(1000)) == std::vector<std::uint64_t>{1});
    CHECK(schedule.NextDue() == t0 + milliseconds(1600));
    CHECK(schedule.TakeDue(t0 + milliseconds(1600)) == std::vector<std::uint64_t>{2});
    CHECK(schedule.TakeDue(t0 + milliseconds(2000)) == std::vector<std::uint64_t>{1});
    CHECK(schedule.NextDue() == t0 + milliseconds(3000));
  }
  SUBCASE("a late turn sends one heartbeat per call, not a burst") {
    CHECK(schedule.TakeDue(t0 + milliseconds(10000)) == std::vector<std::uint64_t>{1, 2});
    CHECK(schedule.TakeDue(t0 + milliseconds(10000)).empty());
    CHECK(schedule.NextDue() == t0 + milliseconds(11000));
  }
  SUBCASE("a removed call gets no more heartbeats") {
    schedule.Remove(1);
    CHECK(schedule.size() == 1);
    CHECK(schedule.TakeDue(t0 + milliseconds(5000)) == std::vector<std::uint64_t>{2});
    schedule.Remove(2);
    CHECK_FALSE(schedule.NextDue());
  }
}

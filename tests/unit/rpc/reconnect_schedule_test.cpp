// Unit tests of rpc/reconnect_schedule: kombu's retry_over_time intervals as
// oslo.messaging 14 configures them.
#include "rpc/reconnect_schedule.h"

#include <vector>

#include <doctest/doctest.h>

namespace {

std::vector<long long> Take(rpc::ReconnectSchedule& schedule, int n) {
  std::vector<long long> delays;
  for (int i = 0; i < n; ++i) delays.push_back(schedule.NextDelay().count());
  return delays;
}

}  // namespace

TEST_CASE("rpc::ReconnectSchedule") {
  SUBCASE("oslo defaults 1/2/30: linear steps up to interval_max + interval_start") {
    rpc::ReconnectSchedule schedule(rpc::RetryOptions{});
    const std::vector<long long> expected = {1000,  3000,  5000,  7000,  9000,  11000, 13000, 15000, 17000,
                                             19000, 21000, 23000, 25000, 27000, 29000, 31000, 31000, 31000};
    CHECK(Take(schedule, 18) == expected);
  }
  SUBCASE("the last value that fits is repeated") {
    rpc::ReconnectSchedule schedule(rpc::RetryOptions{1.0, 4.0, 10.0});  // 1, 5, 9, then 9 (13 > 11)
    CHECK(Take(schedule, 5) == std::vector<long long>{1000, 5000, 9000, 9000, 9000});
  }
  SUBCASE("a zero retry interval starts at 1 second, as oslo's `or 1`") {
    rpc::ReconnectSchedule schedule(rpc::RetryOptions{0.0, 2.0, 30.0});
    CHECK(schedule.NextDelay().count() == 1000);
  }
  SUBCASE("fractional seconds") {
    rpc::ReconnectSchedule schedule(rpc::RetryOptions{0.5, 0.5, 2.0});  // stop 2.5
    CHECK(Take(schedule, 7) == std::vector<long long>{500, 1000, 1500, 2000, 2500, 2500, 2500});
  }
  SUBCASE("Reset starts over") {
    rpc::ReconnectSchedule schedule(rpc::RetryOptions{});
    (void)Take(schedule, 4);
    schedule.Reset();
    CHECK(schedule.NextDelay().count() == 1000);
  }
}

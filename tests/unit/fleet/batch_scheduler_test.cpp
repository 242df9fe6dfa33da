#include "agent/fleet/batch_scheduler.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

namespace {

using agent::fleet::RunUnits;
using agent::fleet::UnitLimits;

class FlagStop final : public agent::StopRequest {
 public:
  bool requested() const override { return flag.load(); }
  std::string_view reason() const override { return "test"; }
  std::atomic<bool> flag{false};
};

// Records what ran, when, and the highest concurrency seen overall and per host.
struct Observer {
  explicit Observer(const std::vector<std::string>& hosts) : hosts(hosts) {}

  void Run(std::size_t index, int worker) {
    {
      std::lock_guard lock(mutex);
      ++running;
      ++host_running[hosts[index]];
      max_running = std::max(max_running, running);
      max_host_running[hosts[index]] = std::max(max_host_running[hosts[index]], host_running[hosts[index]]);
      order.push_back(index);
      workers_seen.push_back(worker);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard lock(mutex);
    --running;
    --host_running[hosts[index]];
  }

  const std::vector<std::string>& hosts;
  std::mutex mutex;
  int running = 0, max_running = 0;
  std::map<std::string, int> host_running, max_host_running;
  std::vector<std::size_t> order;
  std::vector<int> workers_seen;
};

std::vector<std::string> Hosts(int per_host_a, int per_host_b, int per_host_c) {
  std::vector<std::string> hosts;
  for (int i = 0; i < std::max({per_host_a, per_host_b, per_host_c}); ++i) {
    if (i < per_host_a) hosts.push_back("a");
    if (i < per_host_b) hosts.push_back("b");
    if (i < per_host_c) hosts.push_back("c");
  }
  return hosts;
}

TEST_CASE("RunUnits runs every unit once, within the worker and per-host limits") {
  const auto hosts = Hosts(20, 12, 5);
  Observer seen(hosts);
  const auto result = RunUnits(hosts, UnitLimits{4, 2}, [&](std::size_t i, int w) { seen.Run(i, w); });
  CHECK(result.started == hosts.size());
  CHECK(result.not_started == 0);
  std::vector<int> runs(hosts.size(), 0);
  for (auto i : seen.order) ++runs.at(i);
  for (int n : runs) CHECK(n == 1);
  CHECK(seen.max_running <= 4);
  for (const auto& [host, most] : seen.max_host_running) CHECK_MESSAGE(most <= 2, host);
  for (int w : seen.workers_seen) CHECK((w >= 0 && w < 4));
}

TEST_CASE("RunUnits keeps plan order within a host") {
  const auto hosts = Hosts(10, 10, 10);
  Observer seen(hosts);
  RunUnits(hosts, UnitLimits{3, 1}, [&](std::size_t i, int w) { seen.Run(i, w); });
  std::map<std::string, std::size_t> last;
  for (auto i : seen.order) {
    if (last.count(hosts[i])) CHECK(i > last[hosts[i]]);
    last[hosts[i]] = i;
  }
}

TEST_CASE("RunUnits passes over a host at its limit instead of waiting for it") {
  // Four units of host a first, then one of b; with per_host 1 and two
  // workers, b's unit must not wait for all of a's.
  const std::vector<std::string> hosts = {"a", "a", "a", "a", "b"};
  std::vector<std::size_t> order;
  std::mutex mutex;
  RunUnits(hosts, UnitLimits{2, 1}, [&](std::size_t i, int) {
    {
      std::lock_guard lock(mutex);
      order.push_back(i);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  REQUIRE(order.size() == 5);
  CHECK(std::find(order.begin(), order.end(), 4) - order.begin() <= 1);
}

TEST_CASE("RunUnits starts nothing after a stop and lets running units finish") {
  const auto hosts = Hosts(30, 0, 0);
  FlagStop stop;
  std::atomic<int> finished{0};
  const auto result = RunUnits(
      hosts, UnitLimits{3, 3},
      [&](std::size_t i, int) {
        if (i == 4) stop.flag = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        ++finished;
      },
      &stop);
  CHECK(result.started == static_cast<std::size_t>(finished.load()));
  CHECK(result.started >= 5);
  CHECK(result.started <= 7);  // unit 4 and at most the two running beside it
  CHECK(result.started + result.not_started == hosts.size());
}

TEST_CASE("RunUnits with one worker runs on the calling thread, in plan order") {
  const auto hosts = Hosts(3, 3, 0);
  std::vector<std::size_t> order;
  const auto caller = std::this_thread::get_id();
  RunUnits(hosts, UnitLimits{1, 2}, [&](std::size_t i, int w) {
    CHECK(w == 0);
    CHECK(std::this_thread::get_id() == caller);
    order.push_back(i);
  });
  CHECK(order == std::vector<std::size_t>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("RunUnits of nothing returns at once; limits below 1 are programming errors") {
  int calls = 0;
  const auto result = RunUnits({}, UnitLimits{}, [&](std::size_t, int) { ++calls; });
  CHECK(result.started == 0);
  CHECK(calls == 0);
  CHECK_THROWS(RunUnits({"a"}, UnitLimits{0, 1}, [](std::size_t, int) {}));
  CHECK_THROWS(RunUnits({"a"}, UnitLimits{1, 0}, [](std::size_t, int) {}));
}

}  // namespace

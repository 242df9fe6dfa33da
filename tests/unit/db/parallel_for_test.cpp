#include "agent/db/parallel_for.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

using agent::db::ParallelFor;

TEST_CASE("agent::db::ParallelFor runs each index once, all of them at the same time") {
  constexpr std::size_t kTasks = 6;
  std::mutex mutex;
  std::condition_variable all_in;
  std::size_t arrived = 0;
  std::vector<int> runs(kTasks, 0);
  std::atomic<int> gave_up{0};
  // Every task waits until all have started: run one after another, the
  // first would wait in vain (and give up after 10 s).
  ParallelFor(kTasks, kTasks, [&](std::size_t i) {
    std::unique_lock lock(mutex);
    ++runs[i];
    ++arrived;
    all_in.notify_all();
    if (!all_in.wait_for(lock, std::chrono::seconds(10), [&] { return arrived == kTasks; })) ++gave_up;
  });
  CHECK(gave_up == 0);
  CHECK(runs == std::vector<int>(kTasks, 1));
}

TEST_CASE("agent::db::ParallelFor keeps to max_threads") {
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  std::vector<std::atomic<int>> runs(50);
  ParallelFor(runs.size(), 4, [&](std::size_t i) {
    const int now = ++running;
    for (int seen = peak; now > seen && !peak.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++runs[i];
    --running;
  });
  CHECK(peak <= 4);
  for (const auto& r : runs) CHECK(r == 1);
}

TEST_CASE("agent::db::ParallelFor edge cases") {
  SUBCASE("nothing to do") {
    ParallelFor(0, 8, [](std::size_t) { FAIL("no task expected"); });
  }
  SUBCASE("max_threads 0 still runs everything, on the calling thread") {
    std::vector<int> runs(3, 0);
    ParallelFor(runs.size(), 0, [&](std::size_t i) { ++runs[i]; });
    CHECK(runs == std::vector<int>{1, 1, 1});
  }
}

TEST_CASE("agent::db::ParallelFor rethrows a task's exception after the others finished") {
  std::vector<std::atomic<int>> runs(8);
  CHECK_THROWS_WITH_AS(ParallelFor(runs.size(), 3,
                                   [&](std::size_t i) {
                                     ++runs[i];
                                     if (i == 2) throw std::logic_error("bug in task 2");
                                   }),
                       "bug in task 2", std::logic_error);
  for (const auto& r : runs) CHECK(r == 1);
}

// FinishesWithin: runs a call that could block forever (opening or reading a
// FIFO) on its own thread and returns its result; when the call has not
// returned within the limit, the test binary stops at once (exit 1) with a
// message, so that a hang shows as a failure rather than a stuck test run.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>
#include <utility>

namespace test {

template <typename Call>
auto FinishesWithin(std::chrono::seconds limit, const char* what, Call call) -> decltype(call()) {
  std::packaged_task<decltype(call())()> task(std::move(call));
  auto result = task.get_future();
  std::thread(std::move(task)).detach();
  if (result.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "FAILED: %s did not return within %lld s (blocked)\n", what,
                 static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::_Exit(1);
  }
  return result.get();
}

}  // namespace test

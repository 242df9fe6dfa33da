#include "agent/db/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace agent::db {

void ParallelFor(std::size_t count, std::size_t max_threads, const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr first_failure;
  auto work = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      try {
        task(i);
      } catch (...) {
        const std::lock_guard lock(failure_mutex);
        if (!first_failure) first_failure = std::current_exception();
      }
    }
  };
  const std::size_t threads = std::min(count, std::max<std::size_t>(max_threads, 1));
  std::vector<std::thread> helpers;
  helpers.reserve(threads > 0 ? threads - 1 : 0);
  for (std::size_t t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads: the running ones take the rest
    }
  }
  work();
  for (std::thread& helper : helpers) helper.join();
  if (first_failure) std::rethrow_exception(first_failure);
}

}  // namespace agent::db

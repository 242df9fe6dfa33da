#include "agent/fleet/batch_scheduler.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace agent::fleet {
namespace {

// The units not started yet, a queue per host, and how many of each host run.
class Dispatcher {
 public:
  Dispatcher(const std::vector<std::string>& unit_hosts, int per_host, const StopRequest* stop)
      : per_host_(per_host), stop_(stop), left_(unit_hosts.size()) {
    for (std::size_t i = 0; i < unit_hosts.size(); ++i) hosts_[unit_hosts[i]].queue.push_back(i);
  }

  // The next unit this worker runs; false when there is none to wait for
  // (all started, or a stop was requested).
  bool Next(std::size_t& index, std::string& host) {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (left_ == 0 || Stopping()) return false;
      if (auto* ready = FirstReady()) {
        index = ready->second.queue.front();
        ready->second.queue.pop_front();
        ++ready->second.running;
        host = ready->first;
        --left_;
        ++started_;
        return true;
      }
      // Every host with units left is at its limit: wait for one to finish.
      // The timed wait notices a stop request, which nothing signals here.
      changed_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }

  void Finished(const std::string& host) {
    {
      std::lock_guard lock(mutex_);
      --hosts_[host].running;
    }
    changed_.notify_all();
  }

  UnitsRun Result() const {
    std::lock_guard lock(mutex_);
    return {started_, left_};
  }

 private:
  struct Host {
    std::deque<std::size_t> queue;
    int running = 0;
  };

  bool Stopping() const { return stop_ != nullptr && stop_->requested(); }

  // The host under its limit whose next unit comes first in the plan.
  std::map<std::string, Host>::value_type* FirstReady() {
    std::map<std::string, Host>::value_type* best = nullptr;
    for (auto& entry : hosts_) {
      const Host& h = entry.second;
      if (h.queue.empty() || h.running >= per_host_) continue;
      if (best == nullptr || h.queue.front() < best->second.queue.front()) best = &entry;
    }
    return best;
  }

  const int per_host_;
  const StopRequest* stop_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Host> hosts_;
  std::size_t left_;
  std::size_t started_ = 0;
};

}  // namespace

UnitsRun RunUnits(const std::vector<std::string>& unit_hosts, UnitLimits limits, const UnitRunner& run,
                  const StopRequest* stop) {
  if (limits.workers < 1 || limits.per_host < 1) throw std::invalid_argument("RunUnits: limits below 1");
  Dispatcher dispatcher(unit_hosts, limits.per_host, stop);
  const int threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(limits.workers),
                                                             std::max<std::size_t>(unit_hosts.size(), 1)));
  auto work = [&](int worker) {
    std::size_t index = 0;
    std::string host;
    while (dispatcher.Next(index, host)) {
      run(index, worker);
      dispatcher.Finished(host);
    }
  };
  if (threads == 1) {
    work(0);  // no thread for the common one-worker case (and --workers 1 keeps a debugger simple)
  } else {
    std::vector<std::jthread> pool;
    pool.reserve(static_cast<std::size_t>(threads));
    for (int w = 0; w < threads; ++w) pool.emplace_back(work, w);
  }
  return dispatcher.Result();
}

}  // namespace agent::fleet

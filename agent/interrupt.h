// Interrupts: SIGINT and SIGTERM as a request to stop at the next step
// boundary, for the commands that change things (refresh, recover). A step
// in flight is never cut in half: it finishes (or times out), then the
// command takes the path it takes after a failure (roll back, or finish
// what can no longer be undone), leaves nothing locked and exits 130.
//
// StopRequest is what a workflow asks ("stop now?"); InterruptWatcher
// answers it from real signals. Tests inject their own StopRequest.
#pragma once

#include <atomic>
#include <string_view>
#include <thread>

#include <signal.h>

#include "agent/log.h"

namespace agent {

class StopRequest {
 public:
  virtual ~StopRequest() = default;
  virtual bool requested() const = 0;
  // What asked to stop ("SIGINT", "SIGTERM"); meaningful once requested().
  virtual std::string_view reason() const = 0;
};

// While it lives, SIGINT and SIGTERM no longer kill the process: they are
// blocked in the thread that made the watcher (and so in every thread it
// creates afterwards), and a thread of the watcher's waits for them, marks
// the request and logs one warning per signal. Create it in the main thread
// before any other thread that must not receive the signals; the destructor
// stops the thread and restores the signal mask (a signal that arrived was
// consumed: the command reports it through its exit code, 130).
// Thread safety: requested() and reason() may be called from any thread.
class InterruptWatcher final : public StopRequest {
 public:
  explicit InterruptWatcher(const Log& log);
  ~InterruptWatcher() override;
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  bool requested() const override { return signal_.load() != 0; }
  std::string_view reason() const override;

 private:
  void Wait();

  const Log& log_;
  sigset_t old_mask_;
  std::atomic<int> signal_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace agent

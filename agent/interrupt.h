// Interrupts: SIGINT and SIGTERM as a request to stop at the next step
// boundary, for the commands that change things (refresh, recover). A step
// in flight is never cut in half: it finishes (or times out), then the
// command takes the path it takes after a failure (roll back, or finish
// what can no longer be undone), leaves nothing locked and exits 130.
//
// StopRequest is what a workflow asks ("stop now?"); InterruptWatcher
// answers it from real signals. Tests inject their own StopRequest.
// A batch stops in two stages: the first signal stops new work (the
// watcher), a second one also cuts the work in flight short at its next
// step boundary (the watcher's again()).
#pragma once

#include <atomic>
#include <string_view>

#include "agent/log.h"
#include "agent/signal_waiter.h"

namespace agent {

class StopRequest {
 public:
  virtual ~StopRequest() = default;
  virtual bool requested() const = 0;
  // What asked to stop ("SIGINT", "SIGTERM"); meaningful once requested().
  virtual std::string_view reason() const = 0;
};

// While it lives, SIGINT and SIGTERM no longer kill the process: they mark
// the request and log one warning each (signal_waiter.h says where to make
// it: in the main thread, before other threads). A signal that arrived is
// reported through the command's exit code, 130.
// Thread safety: requested() and reason() may be called from any thread.
class InterruptWatcher final : public StopRequest {
 public:
  // What the first signal and each later one log (the defaults are a single
  // workflow's: the step in flight finishes, then the clean-up).
  struct Messages {
    std::string_view first = "stopping after the step in flight (it is not cut short)";
    std::string_view again = "still finishing the step in flight and the clean-up";
  };

  explicit InterruptWatcher(const Log& log) : InterruptWatcher(log, Messages{}) {}
  InterruptWatcher(const Log& log, Messages messages);

  bool requested() const override { return signal_.load() != 0; }
  std::string_view reason() const override;
  // Requested once a second signal has come.
  const StopRequest& again() const { return again_; }

 private:
  class Again final : public StopRequest {
   public:
    explicit Again(const InterruptWatcher& watcher) : watcher_(watcher) {}
    bool requested() const override { return watcher_.count_.load() >= 2; }
    std::string_view reason() const override { return watcher_.reason(); }

   private:
    const InterruptWatcher& watcher_;
  };

  void OnSignal(int signal);

  const Log& log_;
  const Messages messages_;
  std::atomic<int> signal_{0};
  std::atomic<int> count_{0};
  const Again again_{*this};
  SignalWaiter waiter_;  // last: its thread uses the members above
};

}  // namespace agent

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
  explicit InterruptWatcher(const Log& log);

  bool requested() const override { return signal_.load() != 0; }
  std::string_view reason() const override;

 private:
  void OnSignal(int signal);

  const Log& log_;
  std::atomic<int> signal_{0};
  SignalWaiter waiter_;  // last: its thread uses the members above
};

}  // namespace agent

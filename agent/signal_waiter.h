// SignalWaiter: chosen signals delivered to a function on a thread of their
// own, instead of interrupting whatever the process is doing. While it
// lives the signals are blocked in the thread that made it (and so in every
// thread made afterwards) and a waiting thread calls `on_signal` for each
// one that arrives, one at a time. Make it in the main thread before any
// thread that must not receive the signals. The destructor stops the
// thread and restores the signal mask (a signal that arrived was handled,
// not re-delivered). Used for Ctrl-C during refresh (interrupt.h) and for
// serve's SIGTERM/SIGINT/SIGHUP.
#pragma once

#include <atomic>
#include <functional>
#include <initializer_list>
#include <thread>

#include <signal.h>

namespace agent {

class SignalWaiter {
 public:
  // `signals` must not include SIGUSR1 (the waiter's own wake-up signal).
  SignalWaiter(std::initializer_list<int> signals, std::function<void(int signal)> on_signal);
  ~SignalWaiter();
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

 private:
  void Wait();

  sigset_t watched_;
  sigset_t old_mask_;
  std::function<void(int)> on_signal_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace agent

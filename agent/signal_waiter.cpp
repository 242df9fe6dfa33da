#include "agent/signal_waiter.h"

#include <pthread.h>

#include <stdexcept>
#include <system_error>

namespace agent {

SignalWaiter::SignalWaiter(std::initializer_list<int> signals, std::function<void(int)> on_signal)
    : on_signal_(std::move(on_signal)) {
  sigemptyset(&watched_);
  for (int signal : signals) {
    if (signal == SIGUSR1) throw std::invalid_argument("SignalWaiter: SIGUSR1 is its own wake-up signal");
    sigaddset(&watched_, signal);
  }
  sigaddset(&watched_, SIGUSR1);  // how the destructor wakes the thread; an outside SIGUSR1 only wakes it too
  if (const int error = pthread_sigmask(SIG_BLOCK, &watched_, &old_mask_); error != 0) {
    throw std::system_error(error, std::generic_category(), "pthread_sigmask");
  }
  thread_ = std::thread([this] { Wait(); });
}

SignalWaiter::~SignalWaiter() {
  stopping_.store(true);
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
  // A SIGUSR1 sent to the process after the thread's last wait is still
  // pending: take it, so that unblocking does not deliver it.
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  const timespec now{0, 0};
  while (sigtimedwait(&usr1, nullptr, &now) == SIGUSR1) {
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void SignalWaiter::Wait() {
  while (!stopping_.load()) {
    int received = 0;
    if (sigwait(&watched_, &received) != 0 || received == SIGUSR1) continue;
    on_signal_(received);
  }
}

}  // namespace agent

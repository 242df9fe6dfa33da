#include "agent/interrupt.h"

#include <pthread.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace agent {
namespace {

// SIGINT and SIGTERM are what an operator sends; SIGUSR1 is how the
// destructor wakes the waiting thread (an outside SIGUSR1 meanwhile only
// wakes it, too).
sigset_t WatchedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return set;
}

}  // namespace

InterruptWatcher::InterruptWatcher(const Log& log) : log_(log) {
  const sigset_t watched = WatchedSignals();
  if (const int error = pthread_sigmask(SIG_BLOCK, &watched, &old_mask_); error != 0) {
    throw std::system_error(error, std::generic_category(), "pthread_sigmask");
  }
  thread_ = std::thread([this] { Wait(); });
}

InterruptWatcher::~InterruptWatcher() {
  stopping_.store(true);
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
  // SIGUSR1 may still be pending if it arrived after the thread's last
  // wait: take it, so that unblocking does not deliver it.
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  const timespec now{0, 0};
  while (sigtimedwait(&usr1, nullptr, &now) == SIGUSR1) {
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

std::string_view InterruptWatcher::reason() const {
  switch (signal_.load()) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

void InterruptWatcher::Wait() {
  const sigset_t watched = WatchedSignals();
  while (!stopping_.load()) {
    int received = 0;
    if (sigwait(&watched, &received) != 0 || received == SIGUSR1) continue;
    const bool first = signal_.load() == 0;
    if (first) signal_.store(received);
    log_.Warning(std::string(received == SIGINT ? "SIGINT" : "SIGTERM") +
                 (first ? " received: stopping after the step in flight (it is not cut short)"
                        : " received again: still finishing the step in flight and the clean-up"));
  }
}

}  // namespace agent

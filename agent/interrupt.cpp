#include "agent/interrupt.h"

#include <signal.h>

#include <string>

namespace agent {

InterruptWatcher::InterruptWatcher(const Log& log)
    : log_(log), waiter_({SIGINT, SIGTERM}, [this](int signal) { OnSignal(signal); }) {}

std::string_view InterruptWatcher::reason() const {
  switch (signal_.load()) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

void InterruptWatcher::OnSignal(int received) {
  const bool first = signal_.load() == 0;
  if (first) signal_.store(received);
  log_.Warning(std::string(received == SIGINT ? "SIGINT" : "SIGTERM") +
               (first ? " received: stopping after the step in flight (it is not cut short)"
                      : " received again: still finishing the step in flight and the clean-up"));
}

}  // namespace agent

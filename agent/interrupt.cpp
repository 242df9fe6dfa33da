#include "agent/interrupt.h"

#include <signal.h>

#include <string>

namespace agent {

InterruptWatcher::InterruptWatcher(const Log& log, Messages messages)
    : log_(log), messages_(messages), waiter_({SIGINT, SIGTERM}, [this](int signal) { OnSignal(signal); }) {}

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
  ++count_;
  log_.Warning(std::string(received == SIGINT ? "SIGINT" : "SIGTERM") + (first ? " received: " : " received again: ") +
               std::string(first ? messages_.first : messages_.again));
}

}  // namespace agent

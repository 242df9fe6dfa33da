#include "rpc/reconnect_schedule.h"

#include <cmath>

namespace rpc {

ReconnectSchedule::ReconnectSchedule(const RetryOptions& options)
    : start_(options.rabbit_retry_interval > 0 ? options.rabbit_retry_interval : 1.0),
      step_(options.rabbit_retry_backoff),
      stop_(options.rabbit_interval_max + start_),
      current_(start_) {}

std::chrono::milliseconds ReconnectSchedule::NextDelay() {
  double delay;
  if (current_ <= stop_) {
    delay = current_;
    current_ += step_;
  } else {
    delay = current_ - step_;
  }
  if (delay < 0) delay = 0;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(delay * 1000.0)));
}

void ReconnectSchedule::Reset() { current_ = start_; }

}  // namespace rpc

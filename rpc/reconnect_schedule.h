// ReconnectSchedule: how long to sleep between connection attempts, the way
// oslo.messaging 14 asks kombu to retry (impl_rabbit.py ensure_connection ->
// kombu Connection.ensure_connection -> retry_over_time):
//
// * every host of the transport URL is tried once per round, without
//   sleeping between hosts; the sleep comes only after a full round;
// * the n-th sleep (n = 0, 1, ...) is rabbit_retry_interval +
//   n * rabbit_retry_backoff, growing *linearly* (kombu's fxrange), until it
//   would pass rabbit_interval_max + rabbit_retry_interval; from then on the
//   last value that did not pass is repeated. With the defaults 1/2/30 that is
//   1, 3, 5, ..., 29, 31, 31, ... seconds. (A rabbit_retry_interval of 0
//   counts as 1, as oslo does.)
//
// A value type with no shared state; one schedule per reconnect sequence.
#pragma once

#include <chrono>

namespace rpc {

struct RetryOptions {
  double rabbit_retry_interval = 1.0;  // seconds
  double rabbit_retry_backoff = 2.0;   // seconds added per round
  double rabbit_interval_max = 30.0;   // seconds
};

class ReconnectSchedule {
 public:
  explicit ReconnectSchedule(const RetryOptions& options);

  // The sleep before the next round, advancing the schedule.
  std::chrono::milliseconds NextDelay();

  // Back to the first delay (after a successful connection).
  void Reset();

 private:
  double start_, step_, stop_;
  double current_;
};

}  // namespace rpc

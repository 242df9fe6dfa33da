// Call-monitor heartbeats: while a call whose request carries _timeout (the
// client's call_monitor_timeout) is being handled, oslo's RPC dispatcher
// (oslo_messaging/rpc/dispatcher.py _watchdog) sends the caller a reply with
// ending false every int(_timeout) / 2 seconds, the first one interval
// after the call started, so that RPCClient(call_monitor_timeout=...) keeps
// waiting for a call that runs longer than that timeout. A timeout that is
// absent or 0 gets no heartbeats; one whose interval is below one second
// (oslo logs "Client provided an invalid timeout value") gets none either.
//
// CallMonitorSchedule keeps, for the calls in flight, when each one's next
// heartbeat is due. It keeps no clock of its own: the caller passes "now".
// A plain value; not thread-safe (one server's I/O thread uses it).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace rpc {

// The heartbeat interval for a request's _timeout, as oslo computes it;
// nullopt when no heartbeats are sent.
std::optional<std::chrono::milliseconds> CallMonitorInterval(std::optional<double> timeout);

class CallMonitorSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  // The call `id`, started at `start`, gets a heartbeat every `interval`.
  void Add(std::uint64_t id, std::chrono::milliseconds interval, Clock::time_point start);
  // No more heartbeats for `id` (it finished, or its heartbeat failed).
  void Remove(std::uint64_t id);

  // The calls whose heartbeat is due at `now`; each is then due again one
  // interval later than it was due (a late loop does not send a burst: a
  // call owed several heartbeats gets one, the next one interval from now).
  std::vector<std::uint64_t> TakeDue(Clock::time_point now);
  // When the next heartbeat is due; nullopt when no call is watched.
  std::optional<Clock::time_point> NextDue() const;
  std::size_t size() const { return calls_.size(); }

 private:
  struct Watched {
    std::chrono::milliseconds interval;
    Clock::time_point due;
  };
  std::map<std::uint64_t, Watched> calls_;
};

}  // namespace rpc

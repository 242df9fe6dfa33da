// ConfirmTracker: the bookkeeping of publishes whose publisher confirm has
// not come yet, for a publisher that does not wait for each one
// (AmqpConnection::PublishNoWait). Pure: no I/O, no clock of its own.
//
// Each publish is added with its sequence number (strictly increasing on one
// connection), the routing key and body it was sent with, a payload the
// caller gets back when it settles, and the time by which its confirm must
// have come. Apply(event) settles what a ConfirmEvent covers, oldest first:
//
// * kAck settles `sequence` (with `multiple`, every entry up to it) as
//   kConfirmed, or as kReturned when a basic.return was matched to it first;
// * kNack settles the same range as kNacked (a returned one too: the broker
//   did not take it);
// * kReturn settles nothing; it marks one entry returned. Correlation:
//   RabbitMQ routes a channel's publishes in order and sends a basic.return
//   at routing time, before the basic.ack of the same message (an unroutable
//   message is confirmed at once, after its return); acks of OTHER messages
//   (routed to queues) may come later than a later message's return, so
//   "the oldest unconfirmed publish" is not enough. The return is matched to
//   the oldest unconfirmed, not yet returned entry with the same routing key
//   AND the same body (a caller that makes each body unique, as oslo's
//   _unique_id does, gets an exact match); when no body matches (the
//   returned body was too large to keep), to the oldest such entry with the
//   routing key alone. A return matching nothing is counted (unmatched()).
//
// TakeAll() hands back every unsettled entry in publish order (the
// connection was lost, or a confirm timed out: its sequence is no longer
// trustworthy, the caller drops the connection and republishes).
//
// Not thread-safe; movable and copyable.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rpc/confirm_event.h"

namespace rpc {

class ConfirmTracker {
 public:
  using Clock = std::chrono::steady_clock;

  struct Entry {
    std::uint64_t payload = 0;  // the caller's: e.g. a job id
    bool heartbeat = false;     // the caller's: what kind of message
    Clock::time_point until{};  // the caller's: e.g. when to give up
    std::string routing_key;
    std::string body;
  };
  enum class Outcome { kConfirmed, kReturned, kNacked };
  struct Settled {
    Entry entry;
    Outcome outcome;
  };

  // `sequence` must be larger than every sequence added before (since the
  // last TakeAll).
  void Add(std::uint64_t sequence, Entry entry, Clock::time_point confirm_deadline);

  std::vector<Settled> Apply(const ConfirmEvent& event);

  // The earliest confirm deadline of an unsettled entry.
  std::optional<Clock::time_point> OldestDeadline() const;

  std::vector<Entry> TakeAll();

  std::size_t size() const { return pending_.size(); }
  bool empty() const { return pending_.empty(); }
  std::uint64_t unmatched() const { return unmatched_; }

 private:
  struct Pending {
    Entry entry;
    Clock::time_point deadline;
    bool returned = false;
  };
  std::map<std::uint64_t, Pending> pending_;  // by sequence
  std::uint64_t unmatched_ = 0;
};

}  // namespace rpc

// PeerTime: how long a command spent waiting on one peer (a database server,
// the message broker, Cinder, Keystone), so that `bdm-agent refresh --timings`
// can tell its own time from the time its peers took.
//
// A command owns the accumulators (PeerTimes) and lends a pointer to the
// adapters that talk to each peer (db::ConnectOptions::peer_time,
// cinder::TransportOptions::peer_time, RpcComputeLink::Connect); an adapter
// given nullptr measures nothing. Each adapter wraps exactly its blocking
// library call (mysql_*, curl_easy_perform, the AMQP round trips) in a
// PeerTimer, so what is left of the wall time is bdm-agent's own work.
//
// Thread-safe: adapters may wait on the same peer from several threads at
// once (LocateBdmByUuid connects the cells concurrently); waits that overlap
// count once, so `total` is the wall time during which at least one call to
// the peer was in flight, never more than the command's wall time. The
// pointer must stay valid while the adapter is used.
#pragma once

#include <chrono>
#include <mutex>

namespace agent {

class PeerTime {
 public:
  using Clock = std::chrono::steady_clock;

  // Read once no call is in flight any more.
  Clock::duration total{};
  int calls = 0;

  // A call to the peer starts / ends (PeerTimer calls these).
  void Begin();
  void End();
  // One call timed by someone else (e.g. rpc::RpcClient's stats), counted as
  // overlapping no other.
  void Add(Clock::duration spent);
  // Back to nothing counted (a long-lived worker starts each request so);
  // only while no call is in flight.
  void Reset();

 private:
  std::mutex mutex_;
  int in_flight_ = 0;
  Clock::time_point busy_since_;
};

// Counts one call to the peer from its construction to its destruction in
// `time` (when not nullptr).
class PeerTimer {
 public:
  explicit PeerTimer(PeerTime* time) : time_(time) {
    if (time_ != nullptr) time_->Begin();
  }
  ~PeerTimer() {
    if (time_ != nullptr) time_->End();
  }
  PeerTimer(const PeerTimer&) = delete;
  PeerTimer& operator=(const PeerTimer&) = delete;

 private:
  PeerTime* const time_;
};

// The peers of `bdm-agent refresh`.
struct PeerTimes {
  PeerTime database;  // API and cell databases: connect, statements, commit
  PeerTime broker;    // RabbitMQ: connections, declarations, publish, reply
  PeerTime cinder;    // Cinder's HTTP requests
  PeerTime keystone;  // Keystone's token requests (the catalog comes with the token)
  // Not a peer: the journal's fsync/fdatasync calls, which are part of
  // bdm-agent's own time (its crash safety) but reported apart.
  PeerTime journal_sync;

  void Reset() {
    database.Reset();
    broker.Reset();
    cinder.Reset();
    keystone.Reset();
    journal_sync.Reset();
  }
};

}  // namespace agent

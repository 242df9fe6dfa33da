// PeerTime: how long a command spent waiting on one peer (a database server,
// the message broker, Cinder/Keystone), so that `bdm-agent refresh --timings`
// can tell its own time from the time its peers took.
//
// A command owns the accumulators (PeerTimes) and lends a pointer to the
// adapters that talk to each peer (db::ConnectOptions::peer_time,
// cinder::TransportOptions::peer_time, RpcComputeLink::Connect); an adapter
// given nullptr measures nothing. Each adapter wraps exactly its blocking
// library call (mysql_*, curl_easy_perform, the AMQP round trips) in a
// PeerTimer, so what is left of the wall time is bdm-agent's own work.
//
// Not thread-safe: one thread uses an accumulator at a time. The pointer must
// stay valid while the adapter is used.
#pragma once

#include <chrono>

namespace agent {

struct PeerTime {
  using Clock = std::chrono::steady_clock;
  Clock::duration total{};
  int calls = 0;

  void Add(Clock::duration spent) {
    total += spent;
    ++calls;
  }
};

// Adds the time from its construction to its destruction to `time` (when not
// nullptr).
class PeerTimer {
 public:
  explicit PeerTimer(PeerTime* time) : time_(time), start_(time ? PeerTime::Clock::now() : PeerTime::Clock::time_point()) {}
  ~PeerTimer() {
    if (time_ != nullptr) time_->Add(PeerTime::Clock::now() - start_);
  }
  PeerTimer(const PeerTimer&) = delete;
  PeerTimer& operator=(const PeerTimer&) = delete;

 private:
  PeerTime* const time_;
  const PeerTime::Clock::time_point start_;
};

// The peers of `bdm-agent refresh`.
struct PeerTimes {
  PeerTime database;  // API and cell databases: connect, statements, commit
  PeerTime broker;    // RabbitMQ: connections, declarations, publish, reply
  PeerTime cinder;    // Cinder and Keystone HTTP requests
  // Not a peer: the journal's fsync/fdatasync calls, which are part of
  // bdm-agent's own time (its crash safety) but reported apart.
  PeerTime journal_sync;
};

}  // namespace agent

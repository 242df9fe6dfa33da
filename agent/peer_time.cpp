#include "agent/peer_time.h"

namespace agent {

void PeerTime::Begin() {
  const std::lock_guard lock(mutex_);
  if (in_flight_++ == 0) busy_since_ = Clock::now();
  ++calls;
}

void PeerTime::End() {
  const std::lock_guard lock(mutex_);
  if (--in_flight_ == 0) total += Clock::now() - busy_since_;
}

void PeerTime::Add(Clock::duration spent) {
  const std::lock_guard lock(mutex_);
  total += spent;
  ++calls;
}

void PeerTime::Reset() {
  const std::lock_guard lock(mutex_);
  total = {};
  calls = 0;
}

}  // namespace agent

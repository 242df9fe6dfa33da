#include "agent/peer_time.h"

#include <chrono>
#include <thread>

#include <doctest/doctest.h>

using agent::PeerTime;
using agent::PeerTimer;
using namespace std::chrono_literals;

TEST_CASE("agent::PeerTime counts overlapping waits once") {
  PeerTime time;
  const auto start = PeerTime::Clock::now();
  {
    const PeerTimer outer(&time);
    std::thread other([&] {
      const PeerTimer inner(&time);
      std::this_thread::sleep_for(30ms);
    });
    std::this_thread::sleep_for(30ms);
    other.join();
  }
  const auto wall = PeerTime::Clock::now() - start;
  CHECK(time.calls == 2);
  CHECK(time.total >= 30ms);
  CHECK(time.total <= wall);  // summed, the two waits would be about twice the wall time
}

TEST_CASE("agent::PeerTime adds waits that follow one another") {
  PeerTime time;
  { const PeerTimer first(&time); std::this_thread::sleep_for(5ms); }
  { const PeerTimer second(&time); std::this_thread::sleep_for(5ms); }
  time.Add(7ms);
  CHECK(time.calls == 3);
  CHECK(time.total >= 17ms);
  const PeerTimer nothing(nullptr);  // measures nothing
}

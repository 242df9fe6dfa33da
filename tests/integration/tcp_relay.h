// TcpRelay: a test peer that forwards TCP connections from a local port to
// one upstream address (the stack's broker), so that a test can break the
// connections of a client under test, which the broker will not do on
// request: CutAll() closes every relayed connection at once (the client sees
// them reset), Refuse(true) closes new ones as soon as they are accepted
// (the broker looks unreachable). accepted() counts the connections made
// through it, so a test can tell how many connections a client opened.
//
// One thread relays all connections; the public calls are thread-safe.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace testing {

class TcpRelay {
 public:
  // Listens on 127.0.0.1 (a free port) for `upstream_host`:`upstream_port`;
  // throws std::runtime_error when it cannot listen.
  TcpRelay(std::string upstream_host, int upstream_port);
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  // Closes every connection relayed now; returns once they are closed.
  void CutAll();
  // While true, connections are closed as soon as they are accepted.
  void Refuse(bool refuse) { refusing_ = refuse; }

 private:
  struct Pair {
    int client = -1, upstream = -1;
  };
  void Run();
  void Accept();
  void ClosePair(Pair& pair);

  std::string upstream_host_;
  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};  // a pipe: wakes the thread for CutAll and the end
  std::atomic<int> accepted_{0};
  std::atomic<bool> refusing_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;  // guards cut_requested_ and cuts_done_
  bool cut_requested_ = false;
  int cuts_done_ = 0;
  std::vector<Pair> pairs_;  // the thread's own
  std::thread thread_;
};

}  // namespace testing

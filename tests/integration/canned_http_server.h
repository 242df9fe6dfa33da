// CannedHttpServer: a one-thread HTTP responder on 127.0.0.1 for faults the
// real Cinder cannot be made to show on demand (an API older than 3.44, a
// 500 or 504 from PUT, a peer that accepts and never answers). It answers
// each request with the next of `answers` (the last one repeats; an empty
// list means never answer) and records the request lines. Fault injection
// only: everything else runs against the stack's real Cinder.
#pragma once

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace testing {

class CannedHttpServer {
 public:
  explicit CannedHttpServer(std::vector<std::string> answers);
  ~CannedHttpServer();
  CannedHttpServer(const CannedHttpServer&) = delete;
  CannedHttpServer& operator=(const CannedHttpServer&) = delete;

  int port() const { return port_; }
  // "PUT /v3/attachments/x HTTP/1.1", ... in arrival order.
  std::vector<std::string> requests();

  // A whole HTTP/1.1 answer with a JSON body.
  static std::string Answer(int status, const std::string& body);

 private:
  void Serve();

  std::vector<std::string> answers_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

// A port nothing listens on (bound once, then closed).
int ClosedPort();

}  // namespace testing

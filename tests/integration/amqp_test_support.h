// Helpers for the AMQP integration tests: the stack's broker options (from
// the stack's nova.conf transport_url, loaded by tests/integration/
// stack_fixture) and a small C++ responder that answers oslo calls.
//
// The responder is a test peer built on rpc::AmqpConnection, used where the
// test needs replies a real oslo server would not send (a stray reply with a
// foreign _msg_id first); conformance with real oslo.messaging is tested in
// tests/wire/ with a Python server.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "rpc/amqp_connection.h"
#include "rpc/rpc_codec.h"

namespace testing {

// The stack broker's connect options (fails the test when the stack is missing).
rpc::AmqpConnectOptions StackBrokerOptions();

// A unique name: "<prefix>-<uuid4 hex>".
std::string UniqueName(const std::string& prefix);

// Serves `count` requests on queue `topic.server` (declared as oslo does, bound
// to exchange "nova"); for each request, `answer` returns the replies to send
// (in order) to its _reply_q. Runs on its own thread until Join().
class Responder {
 public:
  using Answer = std::function<std::vector<rpc::RpcReply>(const rpc::RpcRequest&)>;
  Responder(std::string topic, std::string server, int count, Answer answer);
  ~Responder();
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // Waits for the thread; the first failure it met, OK otherwise.
  base::Status Join();
  // The requests it received, in order (after Join()).
  const std::vector<rpc::RpcRequest>& requests() const { return requests_; }
  const std::vector<rpc::Delivery>& deliveries() const { return deliveries_; }

 private:
  void Run(std::string topic, std::string server, int count, Answer answer);

  std::mutex mutex_;  // guards ready_
  std::condition_variable ready_cv_;
  std::thread thread_;
  base::Status status_;
  bool ready_ = false;
  std::vector<rpc::RpcRequest> requests_;
  std::vector<rpc::Delivery> deliveries_;
};

}  // namespace testing

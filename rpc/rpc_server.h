// RpcServer: the server half of oslo.messaging RPC over RabbitMQ, consuming
// what an oslo 14 rabbit-driver server consumes (amqpdriver.py listen,
// impl_rabbit.py declare_topic_consumer / declare_fanout_consumer) and
// answering as AMQPIncomingMessage.reply does, so that Python clients and
// Python servers can share the broker with it:
//
// * declared on one connection (the exchange first, then queue, then bind;
//   flags and arguments from amqp_topology.h, so a queue or exchange that
//   Python already declared is never PRECONDITION_FAILED): the topic
//   exchange (target.exchange, or control_exchange) with the queues
//   "<topic>" and "<topic>.<server>" bound by those routing keys, and the
//   exchange "<topic>_fanout" with the queue "<topic>_fanout_<uuid4 hex>"
//   bound by "<topic>"; the fanout queue's name is chosen once per server
//   and kept over reconnects, as oslo does;
// * each delivery is decoded (DecodeRequest), checked against the last
//   duplicate_cache_size _unique_ids (recent_id_cache.h; oslo's 16), handed
//   to the RpcDispatcher, and, for a call, answered by ONE message on the
//   default exchange with routing key _reply_q: {"result", "failure",
//   "ending": true, "_msg_id", "_unique_id"} (oslo 14 sends no separate
//   ending message), published mandatory with publisher confirms. A reply
//   the broker returns (the reply queue is missing) is retried every 250 ms
//   for missing_reply_queue_timeout (oslo's kombu_missing_consumer_retry_
//   timeout, 60 s), then dropped and its queue remembered as gone for 60 s
//   (oslo's ObsoleteReplyQueuesCache, 200 queues). Casts get no reply;
// * a message is acked only after it was handled and its reply confirmed
//   (oslo 14 acks on receipt; acking later means a request whose server died
//   mid-call is redelivered instead of lost). A redelivered copy of a message
//   this server already took is acked and dropped by the duplicate check;
// * a malformed message (not an oslo request, or a body larger than
//   kMaxDeliveryBytes) is logged in one line, acked and dropped; nothing from
//   the wire throws or stops the server.
//
// Recovery: when the connection fails, Run reconnects on the schedule of
// reconnect_schedule.h and declares and consumes again. A reply whose
// publish failed with the connection is published again on the new one.
//
// Handlers run on the thread that calls Run, one message at a time; while a
// handler runs no heartbeats are answered (rabbitmq-c answers only inside its
// calls), so a handler must finish well within two heartbeat intervals.
// Call-monitor heartbeats (replies with ending=false while a call with
// _timeout runs) are not sent.
//
// Not thread-safe, except that the stop_token passed to Run may be signalled
// from any thread. Movable, not copyable; the destructor drops the
// connection without the close handshake (the broker then requeues what was
// not acked); Close() does the handshake.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "rpc/amqp_connection.h"
#include "rpc/amqp_topology.h"
#include "rpc/reconnect_schedule.h"
#include "rpc/recent_id_cache.h"
#include "rpc/rpc_client.h"
#include "rpc/rpc_dispatcher.h"

namespace rpc {

// Gets one line per event worth a warning (malformed or duplicate message,
// reply dropped, reconnect). Called on Run's thread.
using ServerLog = std::function<void(std::string_view line)>;

struct RpcServerOptions {
  AmqpConnectOptions connect;
  TopologyOptions topology;
  RetryOptions retry;
  std::size_t duplicate_cache_size = kOsloDuplicateCheckSize;
  std::chrono::milliseconds missing_reply_queue_timeout{60000};
  std::chrono::milliseconds publish_timeout{30000};  // one reply's publisher confirm
  std::chrono::milliseconds poll_interval{200};      // how soon Run sees a stop request
  ServerLog log;                                     // empty: lines are dropped
};

struct ServerStats {
  std::uint64_t calls = 0;            // requests with _msg_id dispatched
  std::uint64_t casts = 0;            // requests without _msg_id dispatched
  std::uint64_t replies_sent = 0;     // confirmed by the broker
  std::uint64_t replies_dropped = 0;  // reply queue gone, or unsendable
  std::uint64_t duplicates = 0;       // dropped by the _unique_id check
  std::uint64_t malformed = 0;        // dropped: not an oslo request, or too large
  std::uint64_t reconnects = 0;
};

class RpcServer {
 public:
  // Validates the options and the target (topic and server must be set),
  // connects and declares and consumes everything above. Errors as
  // AmqpConnection::Open and its declarations (kFailedPrecondition when the
  // broker refuses a declaration), kInvalidInput for bad options or target.
  static base::Result<RpcServer> Start(RpcServerOptions options, RpcTarget target, RpcDispatcher dispatcher);

  RpcServer(RpcServer&&) noexcept;
  RpcServer& operator=(RpcServer&&) noexcept;
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;
  ~RpcServer();

  // Serves until `stop` is requested (OK), finishing the message in hand
  // first; or returns the first failure reconnecting cannot cure (a
  // declaration refused, credentials). May be called again after it returns.
  base::Status Run(std::stop_token stop);

  // The fanout queue's name, "<topic>_fanout_<uuid4 hex>".
  const std::string& fanout_queue() const { return fanout_queue_; }
  const RpcTarget& target() const { return target_; }
  const ServerStats& stats() const { return stats_; }

  // The AMQP close handshake; unacked messages go back to their queues.
  base::Status Close();

 private:
  using Clock = std::chrono::steady_clock;
  RpcServer(RpcServerOptions options, RpcTarget target, RpcDispatcher dispatcher);

  base::Status Connect();
  void Log(std::string_view line) const;
  bool SleepUnlessStopped(const std::stop_token& stop, std::chrono::milliseconds delay) const;
  void Handle(const Delivery& delivery, const std::stop_token& stop);
  void SendReply(const RpcRequest& request, HandlerResult result, const std::stop_token& stop);
  bool ReplyQueueGone(const std::string& reply_q);

  RpcServerOptions options_;
  RpcTarget target_;
  RpcDispatcher dispatcher_;
  std::unique_ptr<std::mt19937_64> rng_;
  std::string fanout_uuid_;   // chosen once: the fanout queue survives reconnects
  std::string fanout_queue_;
  std::optional<AmqpConnection> connection_;
  std::uint64_t generation_ = 0;  // connections opened; delivery tags belong to one
  RecentIdCache seen_;
  std::deque<std::pair<std::string, Clock::time_point>> gone_reply_queues_;  // until when
  ServerStats stats_;
};

}  // namespace rpc

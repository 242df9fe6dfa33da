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
//   ending message), published mandatory with publisher confirms. Replies
//   are pipelined: the I/O thread publishes each one without waiting
//   (AmqpConnection::PublishNoWait) and keeps it by its sequence number in a
//   ConfirmTracker (confirm_tracker.h, which also explains how a
//   basic.return is matched to its publish: by routing key and body, each
//   reply's body being unique by its _unique_id) until the broker's
//   basic.ack, basic.nack or basic.return arrives on the same reading path
//   as deliveries. A confirm not come within publish_timeout drops the
//   connection (its sequence numbers are no longer trustworthy); what was
//   unconfirmed on a lost connection, and a nacked reply, is published
//   again (on the new connection) within missing_reply_queue_timeout. A reply
//   the broker returns (the reply queue is missing) is retried every 250 ms
//   for missing_reply_queue_timeout (oslo's kombu_missing_consumer_retry_
//   timeout, 60 s), then dropped and its queue remembered as gone for 60 s
//   (oslo's ObsoleteReplyQueuesCache, 200 queues). Casts get no reply;
// * a message is acked only after it was handled and its reply confirmed,
//   or the broker returned the reply (its queue is missing; the reply is
//   then retried without holding the message) (oslo 14 acks on receipt;
//   acking later means a request whose server died mid-call is redelivered
//   instead of lost). A redelivered copy of a message this server already
//   took is acked and dropped by the duplicate check; a copy redelivered
//   after a reconnect while the first one still runs is acked (on the new
//   connection) when that one finishes, and never run twice;
// * a malformed message (not an oslo request, or a body larger than
//   kMaxDeliveryBytes) is logged in one line, acked and dropped; nothing from
//   the wire throws or stops the server.
//
// Threads: the thread that calls Run is the I/O thread, the only one that
// touches the AMQP connection (rabbitmq-c is not thread-safe): it consumes,
// decodes, acks, publishes replies and answers the broker's heartbeats. It
// waits for input at most poll_interval at a time and never for a
// publisher confirm; its other wait (a reconnect) is inside rabbitmq-c,
// which answers heartbeats there too; so heartbeats are answered however long a handler
// runs. Handlers run on `workers` threads (worker_pool.h) fed
// through a DispatchQueue; basic.qos prefetch (`prefetch`, shared by the
// three consumers) bounds how many deliveries are taken and not yet acked.
// Handlers therefore run concurrently and must be thread-safe.
//
// Call-monitor heartbeats (call_monitor.h): while a call whose request
// carries _timeout is queued or running, the I/O thread sends the caller
// {"result": null, "failure": null, "ending": false, ...} every
// int(_timeout)/2 seconds, as oslo's dispatcher does (pipelined like the
// replies; one that is returned stops that call's heartbeats, one lost with
// the connection is not sent again: the next one goes on the new connection).
//
// Recovery: when the connection fails, Run reconnects on the schedule of
// reconnect_schedule.h and declares and consumes again. Handlers keep
// running; a reply that could not be published is published on the new
// connection (within missing_reply_queue_timeout). Delivery tags belong to
// one connection: a message of the old one is not acked on the new one (the
// broker redelivers it, see above).
//
// Stopping: when the stop_token is signalled, Run cancels its consumers,
// takes back the requests no worker started, and waits up to
// graceful_shutdown_timeout for the running ones (their replies and acks
// go out). What is still running then is logged, left unacked (the close
// hands it back to the broker for another server), its handler's
// CallInput::cancel is requested, and Run returns once the workers return.
//
// Not thread-safe, except that the stop_token passed to Run may be signalled
// from any thread. Movable (not while Run runs), not copyable; the destructor drops the
// connection without the close handshake (the broker then requeues what was
// not acked); Close() does the handshake.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "rpc/amqp_connection.h"
#include "rpc/amqp_topology.h"
#include "rpc/call_monitor.h"
#include "rpc/confirm_tracker.h"
#include "rpc/dispatch_queue.h"
#include "rpc/reconnect_schedule.h"
#include "rpc/recent_id_cache.h"
#include "rpc/rpc_client.h"
#include "rpc/rpc_dispatcher.h"

namespace rpc {

// Gets one line per event worth a warning (malformed or duplicate message,
// reply dropped, reconnect, requests left behind at a stop). Called on Run's
// thread.
using ServerLog = std::function<void(std::string_view line)>;

struct RpcServerOptions {
  AmqpConnectOptions connect;
  TopologyOptions topology;
  RetryOptions retry;
  std::size_t workers = 4;                           // handler threads (0 counts as 1)
  std::uint16_t prefetch = 8;                        // basic.qos; 0: workers * 2
  std::size_t duplicate_cache_size = kOsloDuplicateCheckSize;
  std::chrono::milliseconds missing_reply_queue_timeout{60000};
  std::chrono::milliseconds publish_timeout{30000};  // one reply's publisher confirm
  std::chrono::milliseconds poll_interval{200};      // longest wait of the I/O thread
  std::chrono::milliseconds graceful_shutdown_timeout{60000};
  ServerLog log;                                     // empty: lines are dropped
};

struct ServerStats {
  std::uint64_t calls = 0;            // requests with _msg_id dispatched
  std::uint64_t casts = 0;            // requests without _msg_id dispatched
  std::uint64_t replies_sent = 0;     // confirmed by the broker
  std::uint64_t replies_dropped = 0;  // reply queue gone, or unsendable
  std::uint64_t heartbeats_sent = 0;  // call-monitor replies with ending false
  std::uint64_t duplicates = 0;       // dropped by the _unique_id check
  std::uint64_t malformed = 0;        // dropped: not an oslo request, or too large
  std::uint64_t reconnects = 0;
  std::uint64_t confirm_timeouts = 0; // connections dropped for a confirm that did not come
  std::uint64_t abandoned = 0;        // left unacked by a stop (not started, or past the grace period)
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

  // Serves until `stop` is requested and the requests in flight finished
  // or graceful_shutdown_timeout passed (OK); or returns the first failure
  // reconnecting cannot cure (a declaration refused, credentials), after
  // the workers returned. May be called again after it returns.
  base::Status Run(std::stop_token stop);

  // The fanout queue's name, "<topic>_fanout_<uuid4 hex>".
  const std::string& fanout_queue() const { return fanout_queue_; }
  const RpcTarget& target() const { return target_; }
  const ServerStats& stats() const { return stats_; }

  // The AMQP close handshake; unacked messages go back to their queues.
  base::Status Close();

 private:
  using Clock = std::chrono::steady_clock;
  enum class Consume { kNo, kYes };

  // A request taken from the broker and not yet acked.
  struct InFlight {
    std::uint64_t generation = 0;  // the connection its delivery tag belongs to
    std::uint64_t delivery_tag = 0;
    bool acked = false;
    std::string method, unique_id;
    std::optional<std::string> msg_id, reply_q;
  };
  // A reply waiting to be published (or published again).
  struct PendingReply {
    std::uint64_t job = 0;
    std::string body;
    Clock::time_point deadline, next_attempt;
  };

  RpcServer(RpcServerOptions options, RpcTarget target, RpcDispatcher dispatcher);

  // rpc_server.cpp: connection, intake and the loop.
  base::Status Connect(Consume consume);
  void Log(std::string_view line) const;
  void ReceiveAvailable();
  void Intake(const Delivery& delivery);
  bool AdoptRedelivery(const RpcRequest& request, const Delivery& delivery);
  void AckNow(const Delivery& delivery);
  void BeginStop();
  void AbandonInFlight(std::string_view why);
  Clock::time_point NextWake(Clock::time_point now, std::optional<Clock::time_point> drain_until) const;
  // rpc_server_replies.cpp: answers, call-monitor heartbeats, acks.
  void CollectFinished();
  void QueueReply(std::uint64_t job, HandlerResult result);
  void FlushReplies(Clock::time_point now);
  bool PublishReply(PendingReply& reply, Clock::time_point now);  // true: published or done with it
  void HandleConfirms(Clock::time_point now);
  void Settle(ConfirmTracker::Settled settled, Clock::time_point now);
  void RetryOrDrop(PendingReply reply, const base::Status& why, Clock::time_point now);
  void DropConnection(std::string_view why);  // requeues the unconfirmed replies
  void SendHeartbeats(Clock::time_point now);
  void Ack(std::uint64_t job);
  bool ReplyQueueGone(const std::string& reply_q);
  void RememberGone(const std::string& reply_q);

  RpcServerOptions options_;
  RpcTarget target_;
  RpcDispatcher dispatcher_;
  std::unique_ptr<std::mt19937_64> rng_;
  std::string fanout_uuid_;   // chosen once: the fanout queue survives reconnects
  std::string fanout_queue_;
  std::optional<AmqpConnection> connection_;
  std::vector<std::string> consumer_tags_;  // of connection_
  std::uint64_t generation_ = 0;  // connections opened; delivery tags belong to one
  std::optional<Clock::time_point> reconnect_at_;
  RecentIdCache seen_;
  std::deque<std::pair<std::string, Clock::time_point>> gone_reply_queues_;  // until when
  // While Run runs:
  std::unique_ptr<DispatchQueue> queue_;
  std::uint64_t next_job_ = 0;
  bool stopping_ = false;  // BeginStop ran: no new work, no reply retries
  std::map<std::uint64_t, InFlight> in_flight_;  // by job id
  std::deque<PendingReply> replies_;  // to publish
  ConfirmTracker unconfirmed_;        // published on connection_, confirm awaited
  CallMonitorSchedule call_monitor_;
  ServerStats stats_;
};

}  // namespace rpc

// RpcClient: the client half of oslo.messaging RPC over RabbitMQ, sending
// calls and casts the way RPCClient + the rabbit driver do (amqpdriver.py
// _send, ReplyWaiter; impl_rabbit.py topic_send, fanout_send, direct_send):
//
// * publishing uses its own connection (oslo's SEND pool) with publisher
//   confirms; the exchange is declared (never passively) once per
//   connection before its first publish: the topic exchange
//   control_exchange for calls/casts, "<topic>_fanout" for fanout casts;
// * replies arrive on a second connection (oslo's reply LISTEN connection):
//   one queue "reply_<uuid4 hex>" per client, declared with x-expires on the
//   first call and reused for every later call, also after reconnects;
// * properties are oslo's (message_properties.h): expiration = the call
//   timeout in ms on calls only; routing key "<topic>.<server>" or "<topic>";
// * a call waits for the reply whose _msg_id matches; replies for other
//   (earlier, timed-out) calls, undecodable replies and call-monitor
//   heartbeats (ending=false) are acked and dropped.
//
// Recovery: when a connection fails, the client reconnects on the schedule
// of reconnect_schedule.h (all hosts per round), re-declares what it needs
// (exchange, reply queue, consumer) and republishes a request only when the
// broker had not confirmed it. A republished request keeps its body, so its
// _unique_id is the same and an oslo server drops it if it did get the first
// copy. Reconnecting never goes past the call's own deadline. A request that
// was confirmed but lost with a non-durable queue in a broker restart is
// *not* resent: the call then times out, as it would in Python.
//
// Returns per call: kTimeout ("... waiting for a reply to <routing key> ...")
// when no reply came in time (also when the broker stayed unreachable past
// the deadline); kRemoteError naming the remote exception's class
// (RemoteFailure::Summary) when the server raised; kInvalidInput for a
// request EncodeRequest refuses; kPermissionDenied / kNotFound /
// kFailedPrecondition from the broker (credentials, vhost, a declaration the
// broker refused).
//
// Send and AwaitReply split a call in two for a request recorded from the
// wire (`bdm-agent trace replay`): it goes to its recorded exchange and
// routing key with its recorded properties, and a remote failure comes back
// as the reply it is rather than as kRemoteError.
//
// last_stats() measures where the last call or cast spent its time, so a
// benchmark can subtract the broker's share.
//
// Not thread-safe: one thread uses a client at a time. Movable, not copyable.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "base/result.h"
#include "rpc/amqp_connection.h"
#include "rpc/amqp_topology.h"
#include "rpc/message_properties.h"
#include "rpc/reconnect_schedule.h"
#include "rpc/rpc_codec.h"

namespace rpc {

struct RpcTarget {
  std::string exchange;  // empty: TopologyOptions::control_exchange
  std::string topic;     // "compute"
  std::string server;    // "cmp1"; empty: the shared topic queue
};

// Where a request recorded from the wire goes again: its exchange (declared
// as the topology's topic exchange under that name, or as FanoutExchange for
// "<topic>_fanout"; the default exchange "" is not declared) and its routing
// key, as they are.
struct WireDestination {
  std::string exchange;
  std::string routing_key;
};

struct RpcClientOptions {
  AmqpConnectOptions connect;
  TopologyOptions topology;
  RetryOptions retry;
};

struct CallStats {
  using Duration = std::chrono::steady_clock::duration;
  Duration total{};            // the whole Call/Cast
  Duration connect{};          // opening connections, declarations, consume
  Duration publish{};          // basic.publish until basic.ack
  Duration reply_wait{};       // from the confirmed publish to the reply
  Duration backoff_sleep{};    // sleeping between reconnect rounds
  int publish_attempts = 0;    // > 1 only when a publish was not confirmed
  int reconnects = 0;          // connections opened again after a failure
  int dropped_replies = 0;     // other _msg_id, undecodable, heartbeats

  // Time spent on or waiting for the broker (everything but encoding).
  Duration BrokerTime() const { return connect + publish + reply_wait + backoff_sleep; }
};

class RpcClient {
 public:
  // Validates the options and opens the publishing connection (errors as
  // AmqpConnection::Open; kInvalidInput for bad topology options). The
  // reply connection is opened by the first Call.
  static base::Result<RpcClient> Connect(RpcClientOptions options);

  RpcClient(RpcClient&&) noexcept;
  RpcClient& operator=(RpcClient&&) noexcept;
  ~RpcClient();

  // Sends `request` as a call and waits up to `timeout` for its reply.
  // msg_id, reply_q and unique_id are filled in here; the other fields are
  // sent as given.
  base::Result<RpcReply> Call(const RpcTarget& target, RpcRequest request, std::chrono::milliseconds timeout);

  // Sends `request` as a cast (no reply); `timeout` bounds reconnecting and
  // the publisher confirm. msg_id/reply_q/timeout must be unset.
  base::Status Cast(const RpcTarget& target, RpcRequest request, std::chrono::milliseconds timeout);

  // A cast to every server of `topic` through the "<topic>_fanout" exchange.
  base::Status FanoutCast(const std::string& topic, RpcRequest request, std::chrono::milliseconds timeout);

  // Sends `request` to `to` with `properties` as given (expiration
  // included). A call when request.msg_id is set: msg_id and reply_q are
  // replaced by a fresh msg_id and this client's reply queue (declared
  // first, as Call does); every request gets a fresh unique_id, the other
  // fields are sent as given. Returns the call's new msg_id (for
  // AwaitReply), nullopt for a cast. `timeout` bounds reconnecting and the
  // publisher confirm; errors as Call's before the reply.
  base::Result<std::optional<std::string>> Send(const WireDestination& to, RpcRequest request,
                                                const MessageProperties& properties, std::chrono::milliseconds timeout);

  // Waits up to `timeout` for the reply to the call Send returned `msg_id`
  // for. A remote failure is a reply (RpcReply::failure), not an error;
  // kTimeout when no reply came; replies to other calls are dropped.
  base::Result<RpcReply> AwaitReply(const std::string& msg_id, std::chrono::milliseconds timeout);

  // The reply queue's name ("reply_<uuid4 hex>"), fixed for the client's life.
  const std::string& reply_queue() const { return reply_queue_; }
  const CallStats& last_stats() const { return stats_; }

  // Closes both connections with the AMQP handshake; the first failure.
  base::Status Close();

 private:
  using Clock = std::chrono::steady_clock;
  explicit RpcClient(RpcClientOptions options);

  ExchangeDeclaration ExchangeNamed(const std::string& name) const;
  base::Status EnsureSender(const ExchangeDeclaration& exchange);
  base::Status EnsureReplyConsumer();
  void DrainListener();
  base::Status SleepBeforeRetry(ReconnectSchedule& schedule, Clock::time_point deadline, const base::Status& cause,
                                std::string_view what);
  base::Status PublishReliably(const ExchangeDeclaration& exchange, const std::string& routing_key,
                               const MessageProperties& properties, const std::string& body,
                               Clock::time_point deadline);
  // A remote failure comes back in the reply.
  base::Result<RpcReply> WaitForReply(const std::string& msg_id, const std::string& routing_key,
                                      std::chrono::milliseconds timeout, Clock::time_point deadline);
  // Fills the call's ids, declares the reply queue, publishes; the msg_id.
  base::Result<std::string> SendCall(const ExchangeDeclaration& exchange, const std::string& routing_key,
                                     RpcRequest request, const MessageProperties& properties,
                                     std::chrono::milliseconds timeout, Clock::time_point deadline);
  base::Status SendOneWay(const ExchangeDeclaration& exchange, const std::string& routing_key, RpcRequest request,
                          const MessageProperties& properties, std::chrono::milliseconds timeout);

  RpcClientOptions options_;
  std::unique_ptr<std::mt19937_64> rng_;
  std::string reply_queue_;
  std::optional<AmqpConnection> sender_;
  std::set<std::string> declared_exchanges_;  // on sender_
  std::optional<AmqpConnection> listener_;
  bool ever_connected_sender_ = false;
  bool ever_connected_listener_ = false;
  CallStats stats_;
};

}  // namespace rpc

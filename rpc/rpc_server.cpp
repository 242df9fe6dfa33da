#include "rpc/rpc_server.h"

#include <algorithm>
#include <thread>

#include "rpc/message_properties.h"
#include "rpc/rpc_codec.h"
#include "rpc/uuid4.h"

namespace rpc {
namespace {

constexpr std::size_t kGoneReplyQueues = 200;                 // ObsoleteReplyQueuesCache.SIZE
constexpr std::chrono::seconds kGoneReplyQueueTtl{60};        // ObsoleteReplyQueuesCache.TTL
constexpr std::chrono::milliseconds kMissingQueueRetry{250};  // amqpdriver.py reply(): time.sleep(0.25)

// A failure that reconnecting may cure.
bool Retryable(const base::Status& status) {
  return status.IsUnavailable() || status.code() == base::Code::kTimeout;
}

}  // namespace

RpcServer::RpcServer(RpcServerOptions options, RpcTarget target, RpcDispatcher dispatcher)
    : options_(std::move(options)),
      target_(std::move(target)),
      dispatcher_(std::move(dispatcher)),
      rng_(std::make_unique<std::mt19937_64>(std::random_device{}())),
      seen_(options_.duplicate_cache_size) {
  fanout_uuid_ = NewUuid4Hex(*rng_);
  fanout_queue_ = FanoutQueue(options_.topology, target_.topic, fanout_uuid_).name;
}
RpcServer::RpcServer(RpcServer&&) noexcept = default;
RpcServer& RpcServer::operator=(RpcServer&&) noexcept = default;
RpcServer::~RpcServer() = default;

base::Result<RpcServer> RpcServer::Start(RpcServerOptions options, RpcTarget target, RpcDispatcher dispatcher) {
  BASE_TRY(TopologyOptionsValid(options.topology));
  if (options.connect.hosts.empty()) return base::Status::InvalidInput("RPC server: no RabbitMQ hosts");
  if (target.topic.empty() || target.server.empty()) {
    return base::Status::InvalidInput("RPC server: the target needs a topic and a server");
  }
  RpcServer server(std::move(options), std::move(target), std::move(dispatcher));
  BASE_TRY(server.Connect());
  return server;
}

void RpcServer::Log(std::string_view line) const {
  if (options_.log) options_.log(line);
}

base::Status RpcServer::Connect() {
  connection_.reset();
  auto opened = AmqpConnection::Open(options_.connect);
  if (!opened.ok()) return opened.error();
  AmqpConnection connection = std::move(opened).value();
  BASE_TRY(connection.EnableConfirms());
  ExchangeDeclaration topic_exchange = TopicExchange(options_.topology);
  if (!target_.exchange.empty()) topic_exchange.name = target_.exchange;
  const std::string server_key = RoutingKey(target_.topic, target_.server);
  for (const std::string& key : {target_.topic, server_key}) {
    BASE_TRY(connection.DeclareExchange(topic_exchange));
    BASE_TRY(connection.DeclareQueue(TopicQueue(options_.topology, key)));
    BASE_TRY(connection.BindQueue(key, topic_exchange.name, key));
  }
  const ExchangeDeclaration fanout_exchange = FanoutExchange(target_.topic);
  const QueueDeclaration fanout_queue = FanoutQueue(options_.topology, target_.topic, fanout_uuid_);
  BASE_TRY(connection.DeclareExchange(fanout_exchange));
  BASE_TRY(connection.DeclareQueue(fanout_queue));
  BASE_TRY(connection.BindQueue(fanout_queue_, fanout_exchange.name, target_.topic));
  for (const std::string& queue : {target_.topic, server_key, fanout_queue_}) {
    auto tag = connection.Consume(queue);
    if (!tag.ok()) return tag.error();
  }
  connection_.emplace(std::move(connection));
  ++generation_;
  return base::Status::Ok();
}

bool RpcServer::SleepUnlessStopped(const std::stop_token& stop, std::chrono::milliseconds delay) const {
  const auto until = Clock::now() + delay;
  while (!stop.stop_requested()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left <= std::chrono::milliseconds(0)) return true;
    std::this_thread::sleep_for(std::min(left, options_.poll_interval));
  }
  return false;
}

base::Status RpcServer::Run(std::stop_token stop) {
  ReconnectSchedule schedule(options_.retry);
  while (!stop.stop_requested()) {
    if (!connection_ || !connection_->usable()) {
      base::Status connected = Connect();
      if (!connected.ok()) {
        if (!Retryable(connected)) return connected;
        auto delay = schedule.NextDelay();
        Log("reconnecting in " + std::to_string(delay.count()) + " ms: " + connected.ToString());
        SleepUnlessStopped(stop, delay);
        continue;
      }
      ++stats_.reconnects;
      schedule.Reset();
    }
    auto received = connection_->Receive(options_.poll_interval);
    if (!received.ok()) {
      // Also a cancelled consumer or a closed channel: start over cleanly.
      Log("connection lost: " + received.error().ToString());
      connection_.reset();
      continue;
    }
    if (received->has_value()) Handle(**received, stop);
  }
  return base::Status::Ok();
}

void RpcServer::Handle(const Delivery& delivery, const std::stop_token& stop) {
  const std::uint64_t generation = generation_;
  auto request = DecodeRequest(delivery.body);  // "" when the body was dropped: refused at once
  if (delivery.dropped_body_bytes != 0) {
    ++stats_.malformed;
    Log("dropping a message of " + std::to_string(delivery.dropped_body_bytes) + " bytes (more than " +
        std::to_string(kMaxDeliveryBytes) + ") from exchange '" + delivery.exchange + "' routing key '" +
        delivery.routing_key + "'");
  } else if (!request.ok()) {
    ++stats_.malformed;
    Log("dropping a malformed message from exchange '" + delivery.exchange + "' routing key '" +
        delivery.routing_key + "': " + request.error().ToString());
  } else if (!request->unique_id.empty() && !seen_.Insert(request->unique_id)) {
    ++stats_.duplicates;
    Log("dropping a duplicate message, _unique_id " + request->unique_id);
  } else {
    HandlerResult result = dispatcher_.Dispatch(*request);
    if (request->msg_id) {
      ++stats_.calls;
      SendReply(*request, std::move(result), stop);
    } else {
      ++stats_.casts;
    }
  }
  // A delivery tag is only valid on its own connection; after a reconnect the
  // broker redelivers the message and the duplicate check drops it.
  if (connection_ && connection_->usable() && generation_ == generation) {
    base::Status acked = connection_->Ack(delivery.delivery_tag);
    if (!acked.ok()) Log("ack failed: " + acked.ToString());
  }
}

bool RpcServer::ReplyQueueGone(const std::string& reply_q) {
  const auto now = Clock::now();
  std::erase_if(gone_reply_queues_, [now](const auto& entry) { return entry.second <= now; });
  return std::any_of(gone_reply_queues_.begin(), gone_reply_queues_.end(),
                     [&reply_q](const auto& entry) { return entry.first == reply_q; });
}

void RpcServer::SendReply(const RpcRequest& request, HandlerResult result, const std::stop_token& stop) {
  const std::string& reply_q = *request.reply_q;
  const std::string what = "reply to " + *request.msg_id + " on " + reply_q;
  if (ReplyQueueGone(reply_q)) {
    ++stats_.replies_dropped;
    Log(what + ": dropped, the reply queue is gone");
    return;
  }
  RpcReply reply{std::move(result.result_json), std::move(result.failure), true, *request.msg_id,
                 NewUuid4Hex(*rng_)};
  auto body = EncodeReply(reply);
  if (!body.ok()) {  // a handler returned text that is not JSON: report it as Python would a TypeError
    reply.result_json = "null";
    reply.failure = MakeRemoteFailure("TypeError", "builtins", "result not serializable: " + body.error().message());
    body = EncodeReply(reply);
    if (!body.ok()) {
      ++stats_.replies_dropped;
      Log(what + ": dropped, cannot encode: " + body.error().ToString());
      return;
    }
  }
  const auto deadline = Clock::now() + options_.missing_reply_queue_timeout;
  ReconnectSchedule schedule(options_.retry);
  // The first attempt is made even when a stop was requested meanwhile: the
  // message in hand is finished; only retries give way to the stop.
  for (bool first = true; first || !stop.stop_requested(); first = false) {
    base::Status status;
    if (!connection_ || !connection_->usable()) {
      status = Connect();
      if (status.ok()) ++stats_.reconnects;
    }
    if (status.ok()) {
      auto outcome = connection_->Publish("", reply_q, CastProperties(), *body, Mandatory::kYes,
                                          Clock::now() + options_.publish_timeout);
      if (outcome.ok() && outcome->confirmed && !outcome->returned) {
        ++stats_.replies_sent;
        return;
      }
      if (outcome.ok() && outcome->returned) {
        if (Clock::now() >= deadline) break;
        SleepUnlessStopped(stop, kMissingQueueRetry);
        continue;
      }
      status = outcome.ok() ? base::Status::Unavailable("not confirmed") : outcome.error();
    }
    if (!Retryable(status) || Clock::now() >= deadline) {
      ++stats_.replies_dropped;
      Log(what + ": dropped: " + status.ToString());
      return;
    }
    Log(what + ": retrying: " + status.ToString());
    SleepUnlessStopped(stop, std::min(schedule.NextDelay(), options_.missing_reply_queue_timeout));
  }
  ++stats_.replies_dropped;
  if (stop.stop_requested()) {
    Log(what + ": dropped, the server is stopping");
    return;
  }
  if (gone_reply_queues_.size() == kGoneReplyQueues) gone_reply_queues_.pop_front();
  gone_reply_queues_.emplace_back(reply_q, Clock::now() + kGoneReplyQueueTtl);
  Log(what + ": dropped, the reply queue is missing");
}

base::Status RpcServer::Close() {
  if (!connection_) return base::Status::Ok();
  base::Status closed = connection_->Close();
  connection_.reset();
  return closed;
}

}  // namespace rpc

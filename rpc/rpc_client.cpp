#include "rpc/rpc_client.h"

#include <algorithm>
#include <thread>

#include "rpc/message_properties.h"
#include "rpc/uuid4.h"

namespace rpc {
namespace {

using Clock = std::chrono::steady_clock;

// A failure that reconnecting may cure.
bool Retryable(const base::Status& status, const std::optional<AmqpConnection>& connection) {
  return status.IsUnavailable() || (connection.has_value() && !connection->usable());
}

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

// Adds the time from construction to destruction to a duration.
class ScopedTimer {
 public:
  explicit ScopedTimer(CallStats::Duration& sink) : sink_(sink), start_(Clock::now()) {}
  ~ScopedTimer() { sink_ += Clock::now() - start_; }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  CallStats::Duration& sink_;
  Clock::time_point start_;
};

}  // namespace

RpcClient::RpcClient(RpcClientOptions options)
    : options_(std::move(options)), rng_(std::make_unique<std::mt19937_64>(std::random_device{}())) {
  reply_queue_ = ReplyQueueName(NewUuid4Hex(*rng_));
}
RpcClient::RpcClient(RpcClient&&) noexcept = default;
RpcClient& RpcClient::operator=(RpcClient&&) noexcept = default;
RpcClient::~RpcClient() = default;

base::Result<RpcClient> RpcClient::Connect(RpcClientOptions options) {
  BASE_TRY(TopologyOptionsValid(options.topology));
  if (options.connect.hosts.empty()) return base::Status::InvalidInput("RPC client: no RabbitMQ hosts");
  RpcClient client(std::move(options));
  auto opened = AmqpConnection::Open(client.options_.connect);
  if (!opened.ok()) return opened.error();
  client.sender_.emplace(std::move(opened).value());
  BASE_TRY(client.sender_->EnableConfirms());
  client.ever_connected_sender_ = true;
  return client;
}

ExchangeDeclaration RpcClient::ExchangeNamed(const std::string& name) const {
  constexpr std::string_view kFanout = "_fanout";
  if (name.ends_with(kFanout) && name.size() > kFanout.size()) {
    return FanoutExchange(std::string_view(name).substr(0, name.size() - kFanout.size()));
  }
  ExchangeDeclaration exchange = TopicExchange(options_.topology);
  if (!name.empty()) exchange.name = name;
  return exchange;
}

base::Status RpcClient::EnsureSender(const ExchangeDeclaration& exchange) {
  ScopedTimer timer(stats_.connect);
  if (!sender_ || !sender_->usable()) {
    sender_.reset();
    declared_exchanges_.clear();
    auto opened = AmqpConnection::Open(options_.connect);
    if (!opened.ok()) return opened.error();
    sender_.emplace(std::move(opened).value());
    if (ever_connected_sender_) ++stats_.reconnects;
    ever_connected_sender_ = true;
    BASE_TRY(sender_->EnableConfirms());
  }
  if (!exchange.name.empty() && declared_exchanges_.count(exchange.name) == 0) {
    BASE_TRY(sender_->DeclareExchange(exchange));
    declared_exchanges_.insert(exchange.name);
  }
  return base::Status::Ok();
}

base::Status RpcClient::EnsureReplyConsumer() {
  if (listener_ && listener_->usable()) return base::Status::Ok();
  ScopedTimer timer(stats_.connect);
  listener_.reset();
  auto opened = AmqpConnection::Open(options_.connect);
  if (!opened.ok()) return opened.error();
  listener_.emplace(std::move(opened).value());
  if (ever_connected_listener_) ++stats_.reconnects;
  ever_connected_listener_ = true;
  BASE_TRY(listener_->DeclareQueue(ReplyQueue(options_.topology, reply_queue_)));
  auto tag = listener_->Consume(reply_queue_);
  if (!tag.ok()) return tag.error();
  return base::Status::Ok();
}

// Reads what is already waiting on the reply connection without blocking:
// replies to earlier, timed-out calls are acked and dropped, and a
// connection.close the broker sent meanwhile marks the connection unusable.
void RpcClient::DrainListener() {
  while (listener_ && listener_->usable()) {
    auto received = listener_->Receive(std::chrono::milliseconds(0));
    if (!received.ok() || !received->has_value()) return;
    (void)listener_->Ack((*received)->delivery_tag);
    ++stats_.dropped_replies;
  }
}

base::Status RpcClient::SleepBeforeRetry(ReconnectSchedule& schedule, Clock::time_point deadline,
                                         const base::Status& cause, std::string_view what) {
  auto delay = schedule.NextDelay();
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left <= delay) {
    return base::Status::Timeout(std::string(what) + ": broker still unavailable at the deadline: " + cause.message());
  }
  ScopedTimer timer(stats_.backoff_sleep);
  std::this_thread::sleep_for(delay);
  return base::Status::Ok();
}

base::Status RpcClient::PublishReliably(const ExchangeDeclaration& exchange, const std::string& routing_key,
                                        const MessageProperties& properties, const std::string& body,
                                        Clock::time_point deadline) {
  ReconnectSchedule schedule(options_.retry);
  const std::string what = "publish to " + routing_key;
  while (true) {
    base::Status status = EnsureSender(exchange);
    if (status.ok()) {
      ScopedTimer timer(stats_.publish);
      ++stats_.publish_attempts;
      auto outcome = sender_->Publish(exchange.name, routing_key, properties, body, Mandatory::kNo, deadline);
      if (outcome.ok() && outcome->confirmed) return base::Status::Ok();
      status = outcome.ok() ? base::Status::Unavailable(what + ": not confirmed") : outcome.error();
      if (status.code() == base::Code::kTimeout) return status.WithContext(what);
    }
    if (!Retryable(status, sender_)) return status;
    // Not confirmed: the broker may not have it. Reconnect and send it again.
    BASE_TRY(SleepBeforeRetry(schedule, deadline, status, what));
  }
}

base::Result<RpcReply> RpcClient::WaitForReply(const std::string& msg_id, const std::string& routing_key,
                                               std::chrono::milliseconds timeout, Clock::time_point deadline) {
  ScopedTimer timer(stats_.reply_wait);
  ReconnectSchedule schedule(options_.retry);
  const std::string what = "timed out after " + Millis(timeout) + " waiting for a reply to " + routing_key +
                           " (msg_id " + msg_id + ")";
  while (true) {
    if (Clock::now() >= deadline) return base::Status::Timeout(what);
    base::Status status = EnsureReplyConsumer();
    if (status.ok()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      auto received = listener_->Receive(std::clamp(left, std::chrono::milliseconds(1), std::chrono::milliseconds(1000)));
      if (received.ok()) {
        if (!received->has_value()) continue;
        const Delivery& delivery = **received;
        (void)listener_->Ack(delivery.delivery_tag);  // a failed ack shows up as an unusable connection
        auto reply = DecodeReply(delivery.body);
        if (!reply.ok() || reply->msg_id != msg_id || !reply->ending) {
          ++stats_.dropped_replies;
          continue;
        }
        return std::move(reply).value();
      }
      status = received.error();
    }
    if (!Retryable(status, listener_)) return status;
    base::Status slept = SleepBeforeRetry(schedule, deadline, status, what);
    if (!slept.ok()) return slept;
  }
}

base::Result<std::string> RpcClient::SendCall(const ExchangeDeclaration& exchange, const std::string& routing_key,
                                              RpcRequest request, const MessageProperties& properties,
                                              std::chrono::milliseconds timeout, Clock::time_point deadline) {
  request.msg_id = NewUuid4Hex(*rng_);
  request.reply_q = reply_queue_;
  request.unique_id = NewUuid4Hex(*rng_);
  BASE_TRY_ASSIGN(std::string body, EncodeRequest(request));

  // As oslo: the reply queue exists before the request leaves. First notice a
  // reply connection the broker closed while we were idle.
  DrainListener();
  ReconnectSchedule schedule(options_.retry);
  while (true) {
    base::Status status = EnsureReplyConsumer();
    if (status.ok()) break;
    if (!Retryable(status, listener_)) return status;
    BASE_TRY(SleepBeforeRetry(schedule, deadline, status, "declare reply queue " + reply_queue_));
  }
  base::Status published = PublishReliably(exchange, routing_key, properties, body, deadline);
  if (!published.ok()) {
    if (published.code() == base::Code::kTimeout) {
      return base::Status::Timeout("timed out after " + Millis(timeout) + " sending a call to " + routing_key + ": " +
                                   published.message());
    }
    return published;
  }
  return *request.msg_id;
}

base::Result<RpcReply> RpcClient::Call(const RpcTarget& target, RpcRequest request,
                                       std::chrono::milliseconds timeout) {
  stats_ = CallStats{};
  ScopedTimer total(stats_.total);
  const auto deadline = Clock::now() + timeout;
  const std::string routing_key = RoutingKey(target.topic, target.server);
  ExchangeDeclaration exchange = TopicExchange(options_.topology);
  if (!target.exchange.empty()) exchange.name = target.exchange;
  BASE_TRY_ASSIGN(std::string msg_id,
                  SendCall(exchange, routing_key, std::move(request), CallProperties(timeout), timeout, deadline));
  BASE_TRY_ASSIGN(RpcReply reply, WaitForReply(msg_id, routing_key, timeout, deadline));
  if (reply.failure) return reply.failure->ToStatus();
  return reply;
}

base::Result<std::optional<std::string>> RpcClient::Send(const WireDestination& to, RpcRequest request,
                                                         const MessageProperties& properties,
                                                         std::chrono::milliseconds timeout) {
  stats_ = CallStats{};
  ScopedTimer total(stats_.total);
  const ExchangeDeclaration exchange = ExchangeNamed(to.exchange);
  if (!request.msg_id) {
    request.reply_q.reset();
    request.timeout.reset();
    BASE_TRY(SendOneWay(exchange, to.routing_key, std::move(request), properties, timeout));
    return std::optional<std::string>();
  }
  BASE_TRY_ASSIGN(std::string msg_id, SendCall(exchange, to.routing_key, std::move(request), properties, timeout,
                                               Clock::now() + timeout));
  return std::optional<std::string>(std::move(msg_id));
}

base::Result<RpcReply> RpcClient::AwaitReply(const std::string& msg_id, std::chrono::milliseconds timeout) {
  return WaitForReply(msg_id, "the call", timeout, Clock::now() + timeout);
}

base::Status RpcClient::SendOneWay(const ExchangeDeclaration& exchange, const std::string& routing_key,
                                   RpcRequest request, const MessageProperties& properties,
                                   std::chrono::milliseconds timeout) {
  request.unique_id = NewUuid4Hex(*rng_);
  BASE_TRY_ASSIGN(std::string body, EncodeRequest(request));
  return PublishReliably(exchange, routing_key, properties, body, Clock::now() + timeout);
}

base::Status RpcClient::Cast(const RpcTarget& target, RpcRequest request, std::chrono::milliseconds timeout) {
  if (request.msg_id || request.reply_q || request.timeout) {
    return base::Status::InvalidInput("cast: msg_id, reply_q and timeout must be unset");
  }
  ExchangeDeclaration exchange = TopicExchange(options_.topology);
  if (!target.exchange.empty()) exchange.name = target.exchange;
  stats_ = CallStats{};
  ScopedTimer total(stats_.total);
  return SendOneWay(exchange, RoutingKey(target.topic, target.server), std::move(request), CastProperties(), timeout);
}

base::Status RpcClient::FanoutCast(const std::string& topic, RpcRequest request, std::chrono::milliseconds timeout) {
  if (request.msg_id || request.reply_q || request.timeout) {
    return base::Status::InvalidInput("fanout cast: msg_id, reply_q and timeout must be unset");
  }
  stats_ = CallStats{};
  ScopedTimer total(stats_.total);
  return SendOneWay(FanoutExchange(topic), "", std::move(request), CastProperties(), timeout);
}

base::Status RpcClient::Close() {
  base::Status first;
  if (sender_) {
    base::Status closed = sender_->Close();
    if (first.ok()) first = closed;
    sender_.reset();
  }
  if (listener_) {
    base::Status closed = listener_->Close();
    if (first.ok()) first = closed;
    listener_.reset();
  }
  return first;
}

}  // namespace rpc

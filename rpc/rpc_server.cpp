// RpcServer: connection, intake of deliveries, stopping, and the I/O
// thread's loop. (Replies, call-monitor heartbeats and acks are in
// rpc_server_replies.cpp.)
#include "rpc/rpc_server.h"

#include <poll.h>

#include <algorithm>
#include <stop_token>

#include "rpc/rpc_codec.h"
#include "rpc/uuid4.h"
#include "rpc/worker_pool.h"

namespace rpc {
namespace {

// A failure that reconnecting may cure.
bool Retryable(const base::Status& status) {
  return status.IsUnavailable() || status.code() == base::Code::kTimeout;
}

// At most this many deliveries are read in one go before the loop looks at
// answers and heartbeats again.
constexpr int kDeliveriesPerTurn = 64;

}  // namespace

RpcServer::RpcServer(RpcServerOptions options, RpcTarget target, RpcDispatcher dispatcher)
    : options_(std::move(options)),
      target_(std::move(target)),
      dispatcher_(std::move(dispatcher)),
      rng_(std::make_unique<std::mt19937_64>(std::random_device{}())),
      seen_(options_.duplicate_cache_size) {
  fanout_uuid_ = NewUuid4Hex(*rng_);
  fanout_queue_ = FanoutQueue(options_.topology, target_.topic, fanout_uuid_).name;
  if (options_.workers == 0) options_.workers = 1;
  if (options_.prefetch == 0) options_.prefetch = static_cast<std::uint16_t>(std::min<std::size_t>(options_.workers * 2, 65535));
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
  BASE_TRY(server.Connect(Consume::kYes));
  return server;
}

void RpcServer::Log(std::string_view line) const {
  if (options_.log) options_.log(line);
}

base::Status RpcServer::Connect(Consume consume) {
  DropConnection("reconnecting");
  consumer_tags_.clear();
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
  std::vector<std::string> tags;
  if (consume == Consume::kYes) {
    BASE_TRY(connection.SetPrefetch(options_.prefetch));
    for (const std::string& queue : {target_.topic, server_key, fanout_queue_}) {
      auto tag = connection.Consume(queue);
      if (!tag.ok()) return tag.error();
      tags.push_back(std::move(*tag));
    }
  }
  connection_.emplace(std::move(connection));
  consumer_tags_ = std::move(tags);
  ++generation_;
  return base::Status::Ok();
}

base::Status RpcServer::Run(std::stop_token stop) {
  BASE_TRY_ASSIGN(queue_, DispatchQueue::Create());
  base::Status failure;
  {
    WorkerPool pool(options_.workers, *queue_, dispatcher_);
    const std::stop_callback wake_on_stop(stop, [this] { queue_->Wake(); });
    ReconnectSchedule schedule(options_.retry);
    std::optional<Clock::time_point> drain_until;
    while (true) {
      auto now = Clock::now();
      if (stop.stop_requested() && !drain_until) {
        drain_until = now + options_.graceful_shutdown_timeout;
        BeginStop();
      }
      CollectFinished();
      if (drain_until && (in_flight_.empty() || now >= *drain_until)) break;
      if ((!connection_ || !connection_->usable()) && (!reconnect_at_ || now >= *reconnect_at_)) {
        base::Status connected = Connect(drain_until ? Consume::kNo : Consume::kYes);
        if (connected.ok()) {
          Log("connected again to " + connection_->peer() + (drain_until ? " (stopping: not consuming)" : ""));
          ++stats_.reconnects;
          schedule.Reset();
          reconnect_at_.reset();
          for (PendingReply& reply : replies_) reply.next_attempt = now;
        } else if (!Retryable(connected)) {
          failure = connected;
          break;
        } else {
          const auto delay = schedule.NextDelay();
          reconnect_at_ = now + delay;
          Log("reconnecting in " + std::to_string(delay.count()) + " ms: " + connected.ToString());
        }
      }
      now = Clock::now();
      SendHeartbeats(now);
      FlushReplies(now);
      const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(NextWake(now, drain_until) - now);
      if (connection_ && connection_->usable()) {
        auto ready = connection_->WaitForInput(std::max(timeout, std::chrono::milliseconds(0)), queue_->wake_fd());
        if (!ready.ok()) {
          DropConnection(ready.error().ToString());
          continue;
        }
        // Also after a timeout: Receive is where rabbitmq-c sends heartbeats.
        if (*ready != AmqpConnection::Readiness::kWoken) ReceiveAvailable();
        HandleConfirms(Clock::now());
      } else {
        pollfd wake{queue_->wake_fd(), POLLIN, 0};
        (void)::poll(&wake, 1, static_cast<int>(std::max<std::int64_t>(timeout.count(), 0)));
      }
    }
    if (!in_flight_.empty()) {
      AbandonInFlight(failure.ok() ? "did not finish within graceful_shutdown_timeout"
                                   : "did not finish before the server stopped (" + failure.ToString() + ")");
      (void)Close();  // hands what was not acked back to the broker now, not when the workers return
      pool.Cancel();
    }
  }  // the workers are joined here
  queue_.reset();
  stopping_ = false;
  in_flight_.clear();
  replies_.clear();
  (void)unconfirmed_.TakeAll();
  call_monitor_ = CallMonitorSchedule();
  return failure;
}

RpcServer::Clock::time_point RpcServer::NextWake(Clock::time_point now,
                                                 std::optional<Clock::time_point> drain_until) const {
  Clock::time_point wake = now + options_.poll_interval;
  if (auto due = call_monitor_.NextDue()) wake = std::min(wake, *due);
  for (const PendingReply& reply : replies_) wake = std::min(wake, reply.next_attempt);
  if (auto confirm_due = unconfirmed_.OldestDeadline()) wake = std::min(wake, *confirm_due);
  if (reconnect_at_ && (!connection_ || !connection_->usable())) wake = std::min(wake, *reconnect_at_);
  if (drain_until) wake = std::min(wake, *drain_until);
  return wake;
}

void RpcServer::ReceiveAvailable() {
  for (int i = 0; i < kDeliveriesPerTurn && connection_; ++i) {
    auto received = connection_->Receive(std::chrono::milliseconds(0));
    if (!received.ok()) {
      // Also a cancelled consumer or a closed channel: start over cleanly.
      DropConnection(received.error().ToString());
      return;
    }
    if (received->has_value()) {
      Intake(**received);
    } else if (!connection_->InputBuffered()) {
      return;  // a confirm or heartbeat frame may be followed by more already read
    }
  }
}

void RpcServer::AckNow(const Delivery& delivery) {
  if (!connection_ || !connection_->usable()) return;
  base::Status acked = connection_->Ack(delivery.delivery_tag);
  if (!acked.ok()) Log("ack failed: " + acked.ToString());
}

// A copy the broker redelivered (after a reconnect) of a request that is
// still being handled here: its ack now goes on the new delivery tag.
bool RpcServer::AdoptRedelivery(const RpcRequest& request, const Delivery& delivery) {
  if (request.unique_id.empty()) return false;
  for (auto& [id, entry] : in_flight_) {
    if (entry.unique_id != request.unique_id) continue;
    if (entry.generation == generation_) return false;  // a second copy on one connection: a duplicate
    entry.generation = generation_;
    entry.delivery_tag = delivery.delivery_tag;
    entry.acked = false;
    ++stats_.duplicates;
    Log("a request redelivered after a reconnect is still being handled here, _unique_id " + request.unique_id +
        ": not run again, acked when it finishes");
    return true;
  }
  return false;
}

void RpcServer::Intake(const Delivery& delivery) {
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
  } else if (AdoptRedelivery(*request, delivery)) {
    return;
  } else if (stopping_) {
    return;  // arrived before the consumers' cancel took effect: left unacked for another server
  } else if (!request->unique_id.empty() && !seen_.Insert(request->unique_id)) {
    ++stats_.duplicates;
    Log("dropping a duplicate message, _unique_id " + request->unique_id);
  } else {
    const std::uint64_t id = ++next_job_;
    InFlight& entry = in_flight_[id];
    entry.generation = generation_;
    entry.delivery_tag = delivery.delivery_tag;
    entry.method = request->method;
    entry.unique_id = request->unique_id;
    entry.msg_id = request->msg_id;
    entry.reply_q = request->reply_q;
    if (request->msg_id) {
      ++stats_.calls;
      if (auto interval = CallMonitorInterval(request->timeout)) call_monitor_.Add(id, *interval, Clock::now());
    } else {
      ++stats_.casts;
    }
    request->redelivered = delivery.redelivered;
    queue_->Submit(Job{id, std::move(*request)});
    return;
  }
  AckNow(delivery);
}

void RpcServer::BeginStop() {
  stopping_ = true;
  if (connection_ && connection_->usable()) {
    for (const std::string& tag : consumer_tags_) {
      base::Status cancelled = connection_->CancelConsumer(tag);
      if (!cancelled.ok()) Log("stopping: " + cancelled.ToString());
    }
  }
  consumer_tags_.clear();
  const std::vector<std::uint64_t> dropped = queue_->DropQueued();
  for (std::uint64_t id : dropped) {
    ++stats_.abandoned;
    call_monitor_.Remove(id);
    in_flight_.erase(id);
  }
  if (!dropped.empty()) {
    Log("stopping: " + std::to_string(dropped.size()) +
        " request(s) not yet started are left unacked; the broker hands them to another server");
  }
}

void RpcServer::AbandonInFlight(std::string_view why) {
  for (const auto& [id, entry] : in_flight_) {
    ++stats_.abandoned;
    Log("stopping: " + entry.method + " (_msg_id " + entry.msg_id.value_or("none, a cast") + ", _unique_id " +
        entry.unique_id + ") " + std::string(why) + "; left unacked for another server");
  }
}

base::Status RpcServer::Close() {
  consumer_tags_.clear();
  if (!connection_) return base::Status::Ok();
  base::Status closed = connection_->Close();
  connection_.reset();
  return closed;
}

}  // namespace rpc

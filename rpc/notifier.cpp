#include "rpc/notifier.h"

#include <algorithm>
#include <thread>

#include "rpc/message_properties.h"
#include "rpc/uuid4.h"

namespace rpc {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds Left(Clock::time_point deadline) {
  return std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
}

}  // namespace

Notifier::Notifier(NotifierOptions options)
    : options_(std::move(options)), rng_(std::make_unique<std::mt19937_64>(std::random_device{}())) {}
Notifier::Notifier(Notifier&&) noexcept = default;
Notifier& Notifier::operator=(Notifier&&) noexcept = default;
Notifier::~Notifier() = default;

base::Result<Notifier> Notifier::Create(NotifierOptions options) {
  BASE_TRY(TopologyOptionsValid(options.topology));
  if (options.connect.hosts.empty()) return base::Status::InvalidInput("notifier: no RabbitMQ hosts");
  if (options.topics.empty()) return base::Status::InvalidInput("notifier: no topics");
  if (options.formats.empty()) return base::Status::InvalidInput("notifier: no message formats");
  for (const std::string& topic : options.topics) {
    if (topic.empty()) return base::Status::InvalidInput("notifier: a topic is empty");
  }
  return Notifier(std::move(options));
}

// Opens a connection when there is none (or it failed), each host getting an
// equal share of the time left.
base::Status Notifier::EnsureConnected(Clock::time_point deadline) {
  // Nothing answers the broker's heartbeats while the connection is idle, so
  // after a heartbeat interval without use the broker may have closed it:
  // open a new one rather than find out by a failed publish.
  if (connection_ && connection_->usable() &&
      (connection_->heartbeat_seconds() <= 0 ||
       Clock::now() - last_used_ < std::chrono::seconds(connection_->heartbeat_seconds()))) {
    return base::Status::Ok();
  }
  connection_.reset();
  exchange_declared_ = false;
  declared_queues_.clear();
  const milliseconds left = Left(deadline);
  if (left <= milliseconds(0)) return base::Status::Timeout("no time left to connect");
  AmqpConnectOptions connect = options_.connect;
  const milliseconds share = std::max(milliseconds(1), left / static_cast<int>(connect.hosts.size()));
  connect.connect_timeout = std::min(connect.connect_timeout, share);
  connect.rpc_timeout = std::min(connect.rpc_timeout, left);
  auto opened = AmqpConnection::Open(connect);
  if (!opened.ok()) return opened.error();
  connection_.emplace(std::move(opened).value());
  last_used_ = Clock::now();
  return connection_->EnableConfirms();
}

base::Status Notifier::EnsureQueue(const std::string& routing_key) {
  if (!exchange_declared_) {
    BASE_TRY(connection_->DeclareExchange(TopicExchange(options_.topology)));
    exchange_declared_ = true;
  }
  if (declared_queues_.count(routing_key) != 0) return base::Status::Ok();
  BASE_TRY(connection_->DeclareQueue(TopicQueue(options_.topology, routing_key)));
  BASE_TRY(connection_->BindQueue(routing_key, options_.topology.control_exchange, routing_key));
  declared_queues_.insert(routing_key);
  return base::Status::Ok();
}

base::Status Notifier::PublishOnce(const std::string& routing_key, const std::string& body,
                                   Clock::time_point deadline) {
  BASE_TRY(EnsureConnected(deadline));
  BASE_TRY(EnsureQueue(routing_key));
  auto outcome = connection_->Publish(options_.topology.control_exchange, routing_key, CastProperties(), body,
                                      Mandatory::kNo, deadline);
  last_used_ = Clock::now();
  if (!outcome.ok()) return outcome.error();
  if (!outcome->confirmed) return base::Status::Unavailable("the broker did not confirm the message");
  return base::Status::Ok();
}

base::Status Notifier::Publish(const std::string& routing_key, const std::string& body, Clock::time_point deadline) {
  ReconnectSchedule schedule(options_.retry);
  const std::string what = "notification to " + routing_key;
  for (int resent = 0;; ++resent) {
    base::Status status = PublishOnce(routing_key, body, deadline);
    if (status.ok()) return status;
    const bool connection_failed = connection_.has_value() && !connection_->usable();
    if (status.code() == base::Code::kTimeout) return status.WithContext(what);
    if (!status.IsUnavailable() && !connection_failed) return status.WithContext(what);
    if (options_.resends >= 0 && resent >= options_.resends) {
      return status.WithContext(what + " (" + std::to_string(resent) + " re-sends)");
    }
    const milliseconds delay = schedule.NextDelay();
    if (Left(deadline) <= delay) {
      return base::Status::Timeout(what + ": the broker is still unavailable at the deadline: " + status.message());
    }
    std::this_thread::sleep_for(delay);
  }
}

base::Status Notifier::Notify(const Notification& notification, Clock::time_point deadline) {
  // One message_id and time for the notification; as in oslo, each send
  // (topic, format) gets its own _unique_id.
  NotificationStamp stamp{NewUuid4(*rng_), "", std::chrono::system_clock::now()};
  for (const std::string& topic : options_.topics) {
    const std::string routing_key = NotificationRoutingKey(topic, notification.priority);
    for (const NotificationFormat format : options_.formats) {
      stamp.unique_id = NewUuid4Hex(*rng_);
      BASE_TRY_ASSIGN(std::string message, EncodeNotification(notification, stamp));
      BASE_TRY_ASSIGN(std::string body, NotificationBody(message, format));
      BASE_TRY(Publish(routing_key, body, deadline));
    }
  }
  return base::Status::Ok();
}

base::Status Notifier::Close() {
  if (!connection_) return base::Status::Ok();
  base::Status closed = connection_->Close();
  connection_.reset();
  return closed;
}

}  // namespace rpc

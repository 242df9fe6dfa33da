// Notifier: sends oslo.messaging notifications (rpc/notification.h) to
// RabbitMQ the way oslo.messaging 14's messaging drivers do
// (impl_rabbit.py notify_send, _publish_and_creates_default_queue):
//
// * its own connection, opened on the first Notify, with publisher
//   confirms; a connection left idle longer than its heartbeat interval is
//   replaced before use (nothing answers heartbeats meanwhile, so the broker
//   may have closed it);
// * once per connection, before the first publish to it: the topic exchange
//   control_exchange (durable = amqp_durable_queues, auto_delete =
//   amqp_auto_delete), and the queue "<topic>.<priority>" with the same
//   flags and no arguments but x-ha-policy (oslo declares it so that
//   notifications sent before any listener are kept), bound to the exchange
//   with its own name as routing key (amqp_topology.h TopicQueue);
// * one message per topic and per format, each with its own _unique_id (a
//   driver list naming both messaging and messagingv2 sends both, as oslo
//   does), properties as a cast's (message_properties.h), not mandatory.
//
// Retries: a publish the broker did not confirm, or a connection that
// failed, is sent again on a new connection after the delay of
// reconnect_schedule.h, at most `resends` times ([oslo_messaging_notifications]
// retry: 0 = never, -1 = no count limit). Unlike oslo, whose retry -1 blocks
// until the broker comes back, every Notify is also bounded by its deadline:
// connecting, declaring, publishing and sleeping between attempts all end by
// then. A resent message keeps its body, so its _unique_id is the same and an
// oslo listener that got the first copy drops the second.
//
// Not thread-safe: one thread uses a Notifier at a time (callers that share
// one serialize, e.g. with a mutex). Movable, not copyable. The destructor
// drops the connection without the AMQP close handshake; Close() does it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "rpc/amqp_connection.h"
#include "rpc/amqp_topology.h"
#include "rpc/notification.h"
#include "rpc/reconnect_schedule.h"

namespace rpc {

struct NotifierOptions {
  AmqpConnectOptions connect;
  TopologyOptions topology;                 // control_exchange and queue flags
  RetryOptions retry;                       // the delays between attempts
  std::vector<std::string> topics{"notifications"};
  std::vector<NotificationFormat> formats{NotificationFormat::kV2};
  int resends = -1;                         // [oslo_messaging_notifications] retry
};

class Notifier {
 public:
  // Validates the options; connects on the first Notify. kInvalidInput when
  // there are no hosts, topics or formats, a topic is empty, or the
  // topology options are invalid.
  static base::Result<Notifier> Create(NotifierOptions options);

  Notifier(Notifier&&) noexcept;
  Notifier& operator=(Notifier&&) noexcept;
  ~Notifier();

  // Sends `notification` to every topic in every format, stamped now with
  // fresh ids, and returns when the broker confirmed each. Stops at the
  // first topic that fails: kTimeout when the deadline passed first,
  // kUnavailable when the broker stayed unreachable or unconfirming after
  // `resends` re-sends, kPermissionDenied / kNotFound / kFailedPrecondition
  // from the broker (credentials, vhost, a declaration it refused),
  // kInvalidInput as EncodeNotification.
  base::Status Notify(const Notification& notification, std::chrono::steady_clock::time_point deadline);

  // The AMQP close handshake when connected.
  base::Status Close();

 private:
  using Clock = std::chrono::steady_clock;
  explicit Notifier(NotifierOptions options);

  base::Status EnsureConnected(Clock::time_point deadline);
  base::Status EnsureQueue(const std::string& routing_key);
  base::Status PublishOnce(const std::string& routing_key, const std::string& body, Clock::time_point deadline);
  base::Status Publish(const std::string& routing_key, const std::string& body, Clock::time_point deadline);

  NotifierOptions options_;
  std::unique_ptr<std::mt19937_64> rng_;
  std::optional<AmqpConnection> connection_;
  Clock::time_point last_used_;               // connection_'s last publish
  bool exchange_declared_ = false;            // on connection_
  std::set<std::string> declared_queues_;     // on connection_
};

}  // namespace rpc

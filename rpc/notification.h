// Notification: the message oslo.messaging 14's Notifier sends for one
// notification (notify/notifier.py Notifier._notify, then the messaging
// drivers of notify/messaging.py through amqpdriver.py send_notification):
//
//   {"message_id": "<str(uuid4)>", "publisher_id": ..., "event_type": ...,
//    "priority": "INFO", "payload": {...},
//    "timestamp": "<str(datetime.utcnow())>", "_unique_id": "<uuid4 hex>",
//    "_context_<key>": <value>, ...}
//
// * the context is sanitized first as _sanitize_context does for a dict:
//   only oslo's safe keys (user_id, project_id, is_admin, request_id,
//   roles, global_request_id, ... never auth_token or service_catalog) are
//   kept, in the caller's order, each packed as "_context_<key>"
//   (amqp.py pack_context);
// * timestamp is Python's str() of a naive UTC datetime:
//   "YYYY-MM-DD HH:MM:SS.ffffff", without ".ffffff" when the microseconds
//   are zero;
// * the body is that message in the 2.0 envelope (driver messagingv2,
//   rpc/envelope.h) or the message itself (driver messaging, format 1.0);
// * it goes to the topic exchange control_exchange with routing key
//   "<topic>.<priority in lower case>" (messaging.py MessagingDriver.notify).
//
// Pure functions on plain values; safe from several threads.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace rpc {

enum class NotificationFormat {
  kV2,  // driver "messagingv2": the 2.0 envelope
  kV1,  // driver "messaging": the message without an envelope
};

struct Notification {
  std::string publisher_id;          // "bdm-agent.<host>"
  std::string event_type;            // "bdm_agent.refresh.end"
  std::string priority = "INFO";     // as oslo writes it: INFO, WARN, ERROR, ...
  std::string payload_json = "{}";   // any JSON value
  std::string context_json = "{}";   // a JSON object: the caller's context dict
};

// The identifiers and time one sending gives a notification.
struct NotificationStamp {
  std::string message_id;  // str(uuid4()): 8-4-4-4-12
  std::string unique_id;   // uuid4().hex
  std::chrono::system_clock::time_point time;
};

// "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC, as str(datetime.utcnow()).
std::string PythonUtcTimestamp(std::chrono::system_clock::time_point time);

// The message's JSON text in Python's format (rpc/python_json.h).
// kInvalidInput when publisher_id, event_type or priority is empty or not
// UTF-8, payload_json is not JSON, or context_json is not a JSON object.
base::Result<std::string> EncodeNotification(const Notification& notification, const NotificationStamp& stamp);

// The AMQP body for `message_json` in `format`. kInvalidInput as Wrap.
base::Result<std::string> NotificationBody(std::string_view message_json, NotificationFormat format);

// "<topic>.<priority in lower case>": the routing key and the queue name.
std::string NotificationRoutingKey(std::string_view topic, std::string_view priority);

}  // namespace rpc

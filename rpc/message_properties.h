// MessageProperties: the AMQP basic properties oslo.messaging 14 (through
// kombu's Producer.publish) puts on every message it sends: requests, casts,
// fanout casts and replies alike.
//
//   content_type "application/json", content_encoding "utf-8",
//   headers {} (an empty table that is present), delivery_mode 2, priority 0,
//   expiration: calls only, the call timeout in whole milliseconds as a
//   decimal string (kombu: str(int(timeout * 1000))).
// Nothing else is set: no reply_to, correlation_id, message_id or timestamp.
//
// The same struct carries the properties copied out of a received message.
// Plain values; safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace rpc {

struct MessageProperties {
  std::optional<std::string> content_type;
  std::optional<std::string> content_encoding;
  bool headers_present = false;  // an (empty) application_headers table
  std::optional<std::uint8_t> delivery_mode;
  std::optional<std::uint8_t> priority;
  std::optional<std::string> expiration;
};

// The properties of a call whose caller waits `timeout` (negative counts as 0).
MessageProperties CallProperties(std::chrono::milliseconds timeout);

// The properties of a cast, a fanout cast or a reply.
MessageProperties CastProperties();

}  // namespace rpc

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
// The same struct carries the properties copied out of a received message:
// then every basic property the message had is set (rpc/detail/amqp_tables.h
// CopyProperties), the application headers table included (`headers`, with
// headers_present). Publishing sends content_type, content_encoding,
// delivery_mode, priority, expiration, correlation_id, reply_to, message_id,
// timestamp, type, user_id and app_id when set, and an empty headers table
// when headers_present (`headers` entries are not sent).
// Plain values; safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "rpc/amqp_field_value.h"

namespace rpc {

struct MessageProperties {
  std::optional<std::string> content_type;
  std::optional<std::string> content_encoding;
  bool headers_present = false;  // an (empty) application_headers table
  std::optional<std::uint8_t> delivery_mode;
  std::optional<std::uint8_t> priority;
  std::optional<std::string> expiration;
  std::optional<std::string> correlation_id;
  std::optional<std::string> reply_to;
  std::optional<std::string> message_id;
  std::optional<std::uint64_t> timestamp;  // AMQP's: seconds since the epoch
  std::optional<std::string> type;
  std::optional<std::string> user_id;
  std::optional<std::string> app_id;
  AmqpFieldTable headers;  // received only: the application headers' entries
};

// The properties of a call whose caller waits `timeout` (negative counts as 0).
MessageProperties CallProperties(std::chrono::milliseconds timeout);

// The properties of a cast, a fanout cast or a reply.
MessageProperties CastProperties();

}  // namespace rpc

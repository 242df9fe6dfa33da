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
// The same struct carries the properties copied out of a received message
// (rpc/detail/amqp_tables.h CopyProperties: every basic property the message
// had, the application headers table with its entries) and those a trace
// file holds (rpc/trace_file.h), so that what was received or recorded can
// be published again as it is. Publishing sends every property that is set,
// the headers table with its entries (integers as signed 64-bit 'l',
// doubles as 'd', strings as 'S', bytes as 'x', nested tables and arrays
// as they are); an absent `headers` sends no table, an empty one sends an
// empty table (as oslo does).
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
  std::optional<AmqpFieldTable> headers;  // the application headers table, when the message has one
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

  friend bool operator==(const MessageProperties&, const MessageProperties&) = default;
};

// The properties of a call whose caller waits `timeout` (negative counts as 0).
MessageProperties CallProperties(std::chrono::milliseconds timeout);

// The properties of a cast, a fanout cast or a reply.
MessageProperties CastProperties();

}  // namespace rpc

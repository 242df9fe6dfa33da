#include "rpc/trace_capture.h"

#include <utility>

namespace rpc {
namespace {

std::optional<std::string> StringField(const AmqpFieldTable& table, std::string_view key) {
  const AmqpFieldValue* value = FindField(table, key);
  if (value == nullptr) return std::nullopt;
  if (value->kind != AmqpFieldValue::Kind::kString && value->kind != AmqpFieldValue::Kind::kBytes) {
    return std::nullopt;
  }
  return value->text;
}

std::optional<std::int64_t> IntField(const AmqpFieldTable& table, std::string_view key) {
  const AmqpFieldValue* value = FindField(table, key);
  if (value == nullptr || value->kind != AmqpFieldValue::Kind::kInt) return std::nullopt;
  return value->integer;
}

std::optional<std::uint8_t> OctetField(const AmqpFieldTable& table, std::string_view key) {
  const auto value = IntField(table, key);
  if (!value || *value < 0 || *value > 255) return std::nullopt;
  return static_cast<std::uint8_t>(*value);
}

// The `properties` table the firehose puts in its headers, by the broker's
// property names.
MessageProperties PropertiesOfTable(const AmqpFieldTable& table) {
  MessageProperties out;
  out.content_type = StringField(table, "content_type");
  out.content_encoding = StringField(table, "content_encoding");
  out.delivery_mode = OctetField(table, "delivery_mode");
  out.priority = OctetField(table, "priority");
  out.correlation_id = StringField(table, "correlation_id");
  out.reply_to = StringField(table, "reply_to");
  out.expiration = StringField(table, "expiration");
  out.message_id = StringField(table, "message_id");
  if (const auto timestamp = IntField(table, "timestamp"); timestamp && *timestamp >= 0) {
    out.timestamp = static_cast<std::uint64_t>(*timestamp);
  }
  out.type = StringField(table, "type");
  out.user_id = StringField(table, "user_id");
  out.app_id = StringField(table, "app_id");
  if (const AmqpFieldValue* headers = FindField(table, "headers");
      headers != nullptr && headers->kind == AmqpFieldValue::Kind::kTable) {
    out.headers = headers->table;
  }
  return out;
}

}  // namespace

TraceRecord RecordOfDelivery(const Delivery& delivery, std::int64_t t_ns) {
  TraceRecord record;
  record.t_ns = t_ns;
  record.body = delivery.body;
  if (delivery.exchange == kFirehoseExchange && delivery.properties.headers) {
    const AmqpFieldTable& headers = *delivery.properties.headers;
    const std::string_view key = delivery.routing_key;
    const bool publish = key.starts_with("publish.");
    const bool deliver = key.starts_with("deliver.");
    const auto exchange = StringField(headers, "exchange_name");
    const AmqpFieldValue* routing_keys = FindField(headers, "routing_keys");
    const AmqpFieldValue* properties = FindField(headers, "properties");
    if ((publish || deliver) && exchange && routing_keys != nullptr &&
        routing_keys->kind == AmqpFieldValue::Kind::kArray && properties != nullptr &&
        properties->kind == AmqpFieldValue::Kind::kTable) {
      record.event = publish ? TraceEvent::kPublish : TraceEvent::kDeliver;
      if (deliver) record.queue = std::string(key.substr(std::string_view("deliver.").size()));
      record.exchange = *exchange;
      if (!routing_keys->items.empty() && routing_keys->items[0].kind == AmqpFieldValue::Kind::kString) {
        record.routing_key = routing_keys->items[0].text;
      }
      record.properties = PropertiesOfTable(properties->table);
      return record;
    }
  }
  record.event = TraceEvent::kPublish;
  record.exchange = delivery.exchange;
  record.routing_key = delivery.routing_key;
  record.properties = delivery.properties;
  return record;
}

}  // namespace rpc

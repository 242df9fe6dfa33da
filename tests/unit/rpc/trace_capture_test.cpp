// Unit tests of rpc/trace_capture: what a tap queue and the firehose
// deliver, turned into trace records. The firehose deliveries are built as
// the golden vectors show RabbitMQ 3.10 wrote them (tests/vectors/*-call.json).
#include "rpc/trace_capture.h"

#include <doctest/doctest.h>

namespace {

using Kind = rpc::AmqpFieldValue::Kind;

rpc::AmqpFieldValue Str(std::string text) {
  rpc::AmqpFieldValue value;
  value.kind = Kind::kString;
  value.text = std::move(text);
  return value;
}

rpc::AmqpFieldValue Int(std::int64_t number) {
  rpc::AmqpFieldValue value;
  value.kind = Kind::kInt;
  value.integer = number;
  return value;
}

rpc::AmqpFieldValue Table(rpc::AmqpFieldTable table) {
  rpc::AmqpFieldValue value;
  value.kind = Kind::kTable;
  value.table = std::move(table);
  return value;
}

rpc::Delivery FirehoseDelivery(std::string routing_key) {
  rpc::AmqpFieldValue keys;
  keys.kind = Kind::kArray;
  keys.items = {Str("compute.compute1")};
  rpc::Delivery delivery;
  delivery.exchange = "amq.rabbitmq.trace";
  delivery.routing_key = std::move(routing_key);
  delivery.properties.headers = rpc::AmqpFieldTable{
      {"exchange_name", Str("nova")},
      {"routing_keys", keys},
      {"properties", Table({{"expiration", Str("60000")},
                            {"priority", Int(0)},
                            {"delivery_mode", Int(2)},
                            {"headers", Table({})},
                            {"content_encoding", Str("utf-8")},
                            {"content_type", Str("application/json")}})},
      {"node", Str("bdm-agent@localhost")},
      {"vhost", Str("/")},
  };
  delivery.body = "{\"oslo.version\": \"2.0\"}";
  return delivery;
}

}  // namespace

TEST_CASE("rpc::RecordOfDelivery") {
  SUBCASE("a tap queue's delivery is recorded as it came") {
    rpc::Delivery delivery;
    delivery.exchange = "nova";
    delivery.routing_key = "compute.compute1";
    delivery.properties.content_type = "application/json";
    delivery.properties.correlation_id = "c";
    delivery.properties.headers = rpc::AmqpFieldTable{{"x", Int(1)}};
    delivery.body = "body";
    const rpc::TraceRecord record = rpc::RecordOfDelivery(delivery, 42);
    CHECK(record.t_ns == 42);
    CHECK(record.event == rpc::TraceEvent::kPublish);
    CHECK(record.exchange == "nova");
    CHECK(record.routing_key == "compute.compute1");
    CHECK(record.properties.content_type == "application/json");
    CHECK(record.properties.correlation_id == "c");
    REQUIRE(record.properties.headers.has_value());
    CHECK(record.properties.headers->size() == 1);
    CHECK(record.body == "body");
  }
  SUBCASE("no headers table: headers absent") {
    rpc::Delivery delivery;
    delivery.exchange = "nova";
    CHECK_FALSE(rpc::RecordOfDelivery(delivery, 0).properties.headers.has_value());
  }
  SUBCASE("a firehose publish describes the message published") {
    const rpc::TraceRecord record = rpc::RecordOfDelivery(FirehoseDelivery("publish.nova"), 7);
    CHECK(record.event == rpc::TraceEvent::kPublish);
    CHECK(record.exchange == "nova");
    CHECK(record.routing_key == "compute.compute1");
    CHECK_FALSE(record.queue.has_value());
    CHECK(record.properties.expiration == "60000");
    CHECK(record.properties.delivery_mode == 2);
    CHECK(record.properties.priority == 0);
    CHECK(record.properties.content_type == "application/json");
    CHECK(record.properties.content_encoding == "utf-8");
    REQUIRE(record.properties.headers.has_value());
    CHECK(record.properties.headers->empty());
    CHECK_FALSE(record.properties.reply_to.has_value());
    CHECK(record.body == "{\"oslo.version\": \"2.0\"}");
  }
  SUBCASE("a firehose deliver is a deliver event") {
    const rpc::TraceRecord record = rpc::RecordOfDelivery(FirehoseDelivery("deliver.compute.compute1"), 7);
    CHECK(record.event == rpc::TraceEvent::kDeliver);
    CHECK(record.exchange == "nova");
    CHECK(record.queue == "compute.compute1");
  }
  SUBCASE("a firehose delivery without its headers is kept as it came") {
    rpc::Delivery delivery = FirehoseDelivery("publish.nova");
    delivery.properties.headers->erase(delivery.properties.headers->begin());  // no exchange_name
    const rpc::TraceRecord record = rpc::RecordOfDelivery(delivery, 7);
    CHECK(record.exchange == "amq.rabbitmq.trace");
    CHECK(record.routing_key == "publish.nova");
    CHECK(record.body == delivery.body);
  }
}

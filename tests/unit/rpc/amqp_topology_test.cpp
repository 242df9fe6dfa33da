// Unit tests of rpc/amqp_topology and rpc/message_properties: the
// declarations and properties oslo.messaging 14 uses by default, checked
// against the golden vectors where they record them.
#include "rpc/amqp_topology.h"

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "rpc/message_properties.h"

#include "tests/unit/golden_vectors.h"

namespace {

std::string String(const rapidjson::Value& value) { return {value.GetString(), value.GetStringLength()}; }

// The properties as the broker's firehose lists them in the vectors.
void CheckMatchesFirehose(const rpc::MessageProperties& ours, const rapidjson::Value& theirs) {
  CHECK(ours.content_type == String(theirs["content_type"]));
  CHECK(ours.content_encoding == String(theirs["content_encoding"]));
  CHECK(ours.delivery_mode == theirs["delivery_mode"].GetInt());
  CHECK(ours.priority == theirs["priority"].GetInt());
  REQUIRE(theirs["headers"].IsObject());
  CHECK(theirs["headers"].MemberCount() == 0);
  CHECK(ours.headers == rpc::AmqpFieldTable{});
  if (theirs.HasMember("expiration")) {
    CHECK(ours.expiration == String(theirs["expiration"]));
  } else {
    CHECK_FALSE(ours.expiration.has_value());
  }
  // Nothing else: no reply_to, correlation_id, message_id, timestamp.
  CHECK(theirs.MemberCount() == (theirs.HasMember("expiration") ? 6u : 5u));
}

}  // namespace

TEST_CASE("rpc::TopicExchange and FanoutExchange use oslo's defaults") {
  rpc::TopologyOptions options;
  const rpc::ExchangeDeclaration topic = rpc::TopicExchange(options);
  CHECK(topic.name == "nova");
  CHECK(topic.type == "topic");
  CHECK_FALSE(topic.durable);
  CHECK_FALSE(topic.auto_delete);

  SUBCASE("amqp_durable_queues and amqp_auto_delete apply to the topic exchange") {
    options.amqp_durable_queues = true;
    options.amqp_auto_delete = true;
    CHECK(rpc::TopicExchange(options).durable);
    CHECK(rpc::TopicExchange(options).auto_delete);
  }
  const rpc::ExchangeDeclaration fanout = rpc::FanoutExchange("compute");
  CHECK(fanout.name == "compute_fanout");
  CHECK(fanout.type == "fanout");
  CHECK_FALSE(fanout.durable);
  CHECK(fanout.auto_delete);
}

TEST_CASE("rpc::ReplyQueue has x-expires as a signed 32-bit integer") {
  rpc::TopologyOptions options;
  const rpc::QueueDeclaration queue = rpc::ReplyQueue(options, rpc::ReplyQueueName("0123456789abcdef0123456789abcdef"));
  CHECK(queue.name == "reply_0123456789abcdef0123456789abcdef");
  CHECK_FALSE(queue.durable);
  CHECK_FALSE(queue.auto_delete);
  CHECK_FALSE(queue.exclusive);
  REQUIRE(queue.arguments.size() == 1);
  CHECK(queue.arguments[0].first == "x-expires");
  // The variant's int32_t alternative becomes AMQP field type 'I'.
  REQUIRE(std::holds_alternative<std::int32_t>(queue.arguments[0].second));
  CHECK(std::get<std::int32_t>(queue.arguments[0].second) == 1800000);

  SUBCASE("rabbit_transient_queues_ttl sets the value") {
    options.rabbit_transient_queues_ttl = 60;
    CHECK(std::get<std::int32_t>(rpc::ReplyQueue(options, "reply_x").arguments[0].second) == 60000);
  }
  SUBCASE("rabbit_ha_queues adds x-ha-policy all") {
    options.rabbit_ha_queues = true;
    const auto args = rpc::ReplyQueue(options, "reply_x").arguments;
    REQUIRE(args.size() == 2);
    CHECK(args[1].first == "x-ha-policy");
    CHECK(std::get<std::string>(args[1].second) == "all");
  }
}

TEST_CASE("rpc::TopicQueue and FanoutQueue") {
  rpc::TopologyOptions options;
  const rpc::QueueDeclaration topic = rpc::TopicQueue(options, "compute.cmp1");
  CHECK(topic.name == "compute.cmp1");
  CHECK_FALSE(topic.durable);
  CHECK_FALSE(topic.auto_delete);
  CHECK(topic.arguments.empty());  // x-expires never applies to topic queues
  const rpc::QueueDeclaration fanout = rpc::FanoutQueue(options, "compute", "ab");
  CHECK(fanout.name == "compute_fanout_ab");
  CHECK_FALSE(fanout.durable);
  CHECK_FALSE(fanout.auto_delete);
  REQUIRE(fanout.arguments.size() == 1);
  CHECK(std::get<std::int32_t>(fanout.arguments[0].second) == 1800000);
}

TEST_CASE("rpc::TopologyOptionsValid") {
  rpc::TopologyOptions options;
  CHECK(rpc::TopologyOptionsValid(options).ok());
  SUBCASE("ttl below 1") {
    options.rabbit_transient_queues_ttl = 0;
    CHECK(rpc::TopologyOptionsValid(options).code() == base::Code::kInvalidInput);
  }
  SUBCASE("ttl whose milliseconds overflow int32") {
    options.rabbit_transient_queues_ttl = 2147484;
    CHECK(rpc::TopologyOptionsValid(options).code() == base::Code::kInvalidInput);
    options.rabbit_transient_queues_ttl = 2147483;
    CHECK(rpc::TopologyOptionsValid(options).ok());
  }
  SUBCASE("quorum queues are refused") {
    options.rabbit_quorum_queue = true;
    CHECK(rpc::TopologyOptionsValid(options).code() == base::Code::kInvalidInput);
  }
}

TEST_CASE("rpc::RoutingKey") {
  CHECK(rpc::RoutingKey("compute", "cmp1") == "compute.cmp1");
  CHECK(rpc::RoutingKey("compute", "") == "compute");
}

TEST_CASE("rpc::CallProperties match the golden call vectors") {
  int seen = 0;
  for (const std::string& text : rpc_test::GoldenEvents("-call.json")) {
    rapidjson::Document event;
    event.Parse(text.c_str());
    REQUIRE_FALSE(event.HasParseError());
    if (String(event["kind"]) != "publish") continue;
    const rapidjson::Value& properties = event["headers"]["properties"];
    CAPTURE(String(event["vector"]));
    REQUIRE(properties.HasMember("expiration"));
    const long long ms = std::stoll(String(properties["expiration"]));
    CheckMatchesFirehose(rpc::CallProperties(std::chrono::milliseconds(ms)), properties);
    ++seen;
  }
  CHECK(seen > 0);
  CHECK(rpc::CallProperties(std::chrono::milliseconds(60000)).expiration == "60000");
  CHECK(rpc::CallProperties(std::chrono::milliseconds(-5)).expiration == "0");
}

TEST_CASE("rpc::CastProperties match the golden reply vectors (no expiration)") {
  int seen = 0;
  for (const std::string& text : rpc_test::GoldenEvents("-reply.json")) {
    rapidjson::Document event;
    event.Parse(text.c_str());
    REQUIRE_FALSE(event.HasParseError());
    if (String(event["kind"]) != "publish") continue;
    CAPTURE(String(event["vector"]));
    CheckMatchesFirehose(rpc::CastProperties(), event["headers"]["properties"]);
    ++seen;
  }
  CHECK(seen > 0);
}

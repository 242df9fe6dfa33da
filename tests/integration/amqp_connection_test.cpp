// Integration tests of rpc::AmqpConnection against the stack's RabbitMQ
// (tools/stack): connecting, failover, error classification, declarations
// that must match oslo's, publisher confirms and deliveries.
#include "rpc/amqp_connection.h"

#include <chrono>

#include <doctest/doctest.h>

#include "rpc/amqp_topology.h"
#include "rpc/message_properties.h"
#include "tests/integration/amqp_test_support.h"

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

rpc::AmqpConnection OpenOrFail(const rpc::AmqpConnectOptions& options) {
  auto connection = rpc::AmqpConnection::Open(options);
  REQUIRE_MESSAGE(connection.ok(), connection.error().ToString());
  return std::move(connection).value();
}

// A fresh reply queue (x-expires 60 s) that `connection` consumes, with
// publisher confirms on.
rpc::QueueDeclaration ConsumeFreshReplyQueue(rpc::AmqpConnection& connection) {
  rpc::TopologyOptions topology;
  topology.rabbit_transient_queues_ttl = 60;
  rpc::QueueDeclaration queue = rpc::ReplyQueue(topology, testing::UniqueName("reply"));
  REQUIRE(connection.DeclareQueue(queue).ok());
  REQUIRE(connection.EnableConfirms().ok());
  REQUIRE(connection.Consume(queue.name).ok());
  return queue;
}

// The next delivery on `connection`, waiting up to 5 s.
std::optional<rpc::Delivery> ReceiveOne(rpc::AmqpConnection& connection) {
  std::optional<rpc::Delivery> delivery;
  for (int i = 0; i < 50 && !delivery; ++i) {
    auto received = connection.Receive(milliseconds(100));
    REQUIRE_MESSAGE(received.ok(), received.error().ToString());
    delivery = std::move(*received);
  }
  return delivery;
}

}  // namespace

TEST_CASE("rpc::AmqpConnection::Open against the stack broker") {
  rpc::AmqpConnectOptions options = testing::StackBrokerOptions();

  SUBCASE("connects and negotiates the proposed heartbeat") {
    options.heartbeat_seconds = 10;
    rpc::AmqpConnection connection = OpenOrFail(options);
    CHECK(connection.usable());
    CHECK(connection.heartbeat_seconds() == 10);
    CHECK(connection.Close().ok());
    CHECK_FALSE(connection.usable());
  }
  SUBCASE("wrong password is PermissionDenied") {
    options.hosts[0].password = "not-the-password";
    auto connection = rpc::AmqpConnection::Open(options);
    REQUIRE_FALSE(connection.ok());
    CHECK(connection.error().code() == base::Code::kPermissionDenied);
    CHECK(connection.error().message().find("not-the-password") == std::string::npos);
  }
  SUBCASE("a missing virtual host is NotFound") {
    options.virtual_host = testing::UniqueName("no-such-vhost");
    auto connection = rpc::AmqpConnection::Open(options);
    REQUIRE_FALSE(connection.ok());
    CHECK_MESSAGE(connection.error().code() == base::Code::kNotFound, connection.error().ToString());
  }
  SUBCASE("nothing listening is Unavailable") {
    options.hosts[0].port = 1;
    auto connection = rpc::AmqpConnection::Open(options);
    REQUIRE_FALSE(connection.ok());
    CHECK(connection.error().code() == base::Code::kUnavailable);
  }
  SUBCASE("fails over to the next host in order") {
    rpc::TransportHost dead = options.hosts[0];
    dead.port = 1;
    options.hosts.insert(options.hosts.begin(), dead);
    rpc::AmqpConnection connection = OpenOrFail(options);
    CHECK(connection.peer() == options.hosts[1].hostname + ":" + std::to_string(options.hosts[1].port));
  }
}

TEST_CASE("rpc::AmqpConnection declarations match what oslo declared") {
  rpc::AmqpConnection connection = OpenOrFail(testing::StackBrokerOptions());
  rpc::TopologyOptions topology;

  SUBCASE("the topic exchange Nova's services declared") {
    CHECK(connection.DeclareExchange(rpc::TopicExchange(topology)).ok());
    CHECK(connection.DeclareExchange(rpc::FanoutExchange("compute")).ok());
  }
  SUBCASE("a mismatch is a channel error; the connection stays usable") {
    rpc::ExchangeDeclaration durable = rpc::TopicExchange(topology);
    durable.durable = true;
    base::Status status = connection.DeclareExchange(durable);
    CHECK(status.code() == base::Code::kFailedPrecondition);
    CHECK(status.message().find("406 PRECONDITION_FAILED") != std::string::npos);
    CHECK(connection.usable());
    CHECK(connection.DeclareExchange(rpc::TopicExchange(topology)).ok());
  }
  SUBCASE("a reply queue declared twice, and with another x-expires") {
    topology.rabbit_transient_queues_ttl = 60;
    const rpc::QueueDeclaration queue = rpc::ReplyQueue(topology, testing::UniqueName("reply"));
    REQUIRE(connection.DeclareQueue(queue).ok());
    CHECK(connection.DeclareQueue(queue).ok());
    rpc::TopologyOptions other = topology;
    other.rabbit_transient_queues_ttl = 61;
    CHECK(connection.DeclareQueue(rpc::ReplyQueue(other, queue.name)).code() == base::Code::kFailedPrecondition);
    CHECK(connection.usable());
  }
}

TEST_CASE("rpc::AmqpConnection publishes with confirms and receives copies") {
  rpc::AmqpConnection connection = OpenOrFail(testing::StackBrokerOptions());
  const rpc::QueueDeclaration queue = ConsumeFreshReplyQueue(connection);

  const auto deadline = steady_clock::now() + std::chrono::seconds(5);
  auto outcome = connection.Publish("", queue.name, rpc::CallProperties(milliseconds(60000)), "{\"a\": 1}",
                                    rpc::Mandatory::kYes, deadline);
  REQUIRE_MESSAGE(outcome.ok(), outcome.error().ToString());
  CHECK(outcome->confirmed);
  CHECK_FALSE(outcome->returned);

  std::optional<rpc::Delivery> delivery = ReceiveOne(connection);
  REQUIRE(delivery.has_value());
  CHECK(delivery->body == "{\"a\": 1}");
  CHECK(delivery->routing_key == queue.name);
  CHECK(delivery->properties.content_type == "application/json");
  CHECK(delivery->properties.content_encoding == "utf-8");
  CHECK(delivery->properties.delivery_mode == 2);
  CHECK(delivery->properties.priority == 0);
  CHECK(delivery->properties.headers == rpc::AmqpFieldTable{});
  CHECK(delivery->properties.expiration == "60000");
  CHECK(connection.Ack(delivery->delivery_tag).ok());

  SUBCASE("mandatory and unroutable comes back, still confirmed") {
    auto returned = connection.Publish("", testing::UniqueName("reply-nobody"), rpc::CastProperties(), "{}",
                                       rpc::Mandatory::kYes, steady_clock::now() + std::chrono::seconds(5));
    REQUIRE_MESSAGE(returned.ok(), returned.error().ToString());
    CHECK(returned->returned);
    CHECK(returned->confirmed);
  }
  SUBCASE("nothing waiting: Receive returns nullopt") {
    auto received = connection.Receive(milliseconds(50));
    REQUIRE(received.ok());
    CHECK_FALSE(received->has_value());
  }
}

TEST_CASE("rpc::AmqpConnection keeps no body over kMaxDeliveryBytes (issue 9)") {
  rpc::AmqpConnection connection = OpenOrFail(testing::StackBrokerOptions());
  const rpc::QueueDeclaration queue = ConsumeFreshReplyQueue(connection);
  const std::string at_limit(rpc::kMaxDeliveryBytes, 'a');
  const std::string over(rpc::kMaxDeliveryBytes + 1, 'b');
  for (const std::string* body : {&over, &at_limit}) {
    auto outcome = connection.Publish("", queue.name, rpc::CastProperties(), *body, rpc::Mandatory::kYes,
                                      steady_clock::now() + std::chrono::seconds(30));
    REQUIRE_MESSAGE(outcome.ok(), outcome.error().ToString());
  }
  auto next = [&] {
    for (int i = 0; i < 100; ++i) {
      auto received = connection.Receive(milliseconds(100));
      REQUIRE_MESSAGE(received.ok(), received.error().ToString());
      if (received->has_value()) return std::move(**received);
    }
    FAIL("no delivery");
    return rpc::Delivery{};
  };
  rpc::Delivery dropped = next();
  CHECK(dropped.dropped_body_bytes == rpc::kMaxDeliveryBytes + 1);
  CHECK(dropped.body.empty());
  CHECK(dropped.routing_key == queue.name);
  CHECK(connection.Ack(dropped.delivery_tag).ok());
  rpc::Delivery kept = next();  // the connection is still in step
  CHECK(kept.dropped_body_bytes == 0);
  CHECK(kept.body == at_limit);
  CHECK(connection.Ack(kept.delivery_tag).ok());
  CHECK(connection.usable());
}

TEST_CASE("rpc::AmqpConnection: a delivery carries every basic property and header; server-named queues") {
  rpc::AmqpConnection connection = OpenOrFail(testing::StackBrokerOptions());
  rpc::QueueDeclaration declaration;
  declaration.exclusive = true;
  declaration.auto_delete = true;
  auto queue = connection.DeclareQueueNamed(declaration);
  REQUIRE_MESSAGE(queue.ok(), queue.error().ToString());
  CHECK(queue->starts_with("amq.gen-"));
  REQUIRE(connection.Consume(*queue).ok());

  rpc::MessageProperties properties = rpc::CastProperties();
  properties.correlation_id = "corr-1";
  properties.reply_to = "reply_x";
  properties.message_id = "m-1";
  properties.timestamp = 1795693765;
  properties.type = "t";
  properties.user_id = testing::StackBrokerOptions().hosts[0].username;  // RabbitMQ checks it is the connection's
  properties.app_id = "bdm-agent-test";
  // Headers of every kind a trace record holds, nested: published with their
  // entries (a recorded message is published again as it is).
  using Kind = rpc::AmqpFieldValue::Kind;
  const auto value = [](Kind kind) {
    rpc::AmqpFieldValue v;
    v.kind = kind;
    return v;
  };
  rpc::AmqpFieldValue text = value(Kind::kString), bytes = value(Kind::kBytes), number = value(Kind::kInt),
                      real = value(Kind::kDouble), flag = value(Kind::kBool), list = value(Kind::kArray),
                      table = value(Kind::kTable);
  text.text = "caf\xc3\xa9";
  bytes.text = std::string("\0\xff", 2);
  number.integer = -7;
  real.real = 1.5;
  flag.boolean = true;
  list.items = {text, number, value(Kind::kNull)};
  table.table = {{"inner", list}};
  properties.headers = rpc::AmqpFieldTable{{"text", text}, {"bytes", bytes}, {"int", number}, {"real", real},
                                           {"flag", flag}, {"none", value(Kind::kNull)}, {"table", table}};
  auto sent = connection.Publish("", *queue, properties, "{}", rpc::Mandatory::kNo,
                                 steady_clock::now() + std::chrono::seconds(5));
  REQUIRE_MESSAGE(sent.ok(), sent.error().ToString());
  std::optional<rpc::Delivery> delivery = ReceiveOne(connection);
  REQUIRE(delivery.has_value());
  const rpc::MessageProperties& got = delivery->properties;
  CHECK(got.correlation_id == "corr-1");
  CHECK(got.reply_to == "reply_x");
  CHECK(got.message_id == "m-1");
  CHECK(got.timestamp == 1795693765u);
  CHECK(got.type == "t");
  CHECK(got.user_id == properties.user_id);
  CHECK(got.app_id == "bdm-agent-test");
  CHECK(got.headers == properties.headers);
  CHECK(connection.Ack(delivery->delivery_tag).ok());
}

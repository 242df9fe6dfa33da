// Integration tests of rpc::RpcClient against the stack's RabbitMQ with a C++
// test responder (amqp_test_support.h): reply matching, remote errors,
// timeouts, reply queue reuse and casts. Conformance with a real Python
// oslo.messaging server is in tests/wire/.
#include "rpc/rpc_client.h"

#include <chrono>

#include <doctest/doctest.h>

#include "rpc/remote_error.h"
#include "tests/integration/amqp_test_support.h"

namespace {

using std::chrono::milliseconds;

rpc::RpcClient ConnectOrFail() {
  rpc::RpcClientOptions options;
  options.connect = testing::StackBrokerOptions();
  options.topology.rabbit_transient_queues_ttl = 120;  // test queues go away soon
  auto client = rpc::RpcClient::Connect(options);
  REQUIRE_MESSAGE(client.ok(), client.error().ToString());
  return std::move(client).value();
}

rpc::RpcReply ReplyTo(const rpc::RpcRequest& request, std::string result_json) {
  rpc::RpcReply reply;
  reply.result_json = std::move(result_json);
  reply.msg_id = *request.msg_id;
  reply.unique_id = "0123456789abcdef0123456789abcdef";
  return reply;
}

rpc::RpcRequest Request(std::string method, std::string args_json) {
  rpc::RpcRequest request;
  request.method = std::move(method);
  request.version = "6.0";
  request.args_json = std::move(args_json);
  request.context_json = "{\"is_admin\": true}";
  return request;
}

}  // namespace

TEST_CASE("rpc::RpcClient::Call gets the reply whose _msg_id matches") {
  rpc::RpcClient client = ConnectOrFail();
  const std::string topic = testing::UniqueName("rpctest");
  testing::Responder responder(topic, "host1", 2, [](const rpc::RpcRequest& request) {
    rpc::RpcReply stray = ReplyTo(request, "\"stray\"");
    stray.msg_id = "ffffffffffffffffffffffffffffffff";  // a reply to some earlier call
    rpc::RpcReply heartbeat = ReplyTo(request, "null");
    heartbeat.ending = false;
    return std::vector<rpc::RpcReply>{stray, heartbeat, ReplyTo(request, request.args_json)};
  });

  auto reply = client.Call({"", topic, "host1"}, Request("echo", "{\"x\": [1, 2]}"), milliseconds(10000));
  REQUIRE_MESSAGE(reply.ok(), reply.error().ToString());
  CHECK(reply->result_json == "{\"x\": [1, 2]}");
  CHECK(client.last_stats().dropped_replies == 2);
  CHECK(client.last_stats().publish_attempts == 1);
  CHECK(client.last_stats().BrokerTime() <= client.last_stats().total);

  const std::string first_queue = client.reply_queue();
  auto second = client.Call({"", topic, "host1"}, Request("echo", "{\"y\": 2}"), milliseconds(10000));
  REQUIRE_MESSAGE(second.ok(), second.error().ToString());
  CHECK(second->result_json == "{\"y\": 2}");
  REQUIRE(responder.Join().ok());

  // One reply queue, reused; oslo's request layout and properties.
  REQUIRE(responder.requests().size() == 2);
  CHECK(responder.requests()[0].reply_q == first_queue);
  CHECK(responder.requests()[1].reply_q == first_queue);
  CHECK(responder.requests()[0].msg_id != responder.requests()[1].msg_id);
  CHECK(responder.requests()[0].context_json == "{\"is_admin\": true}");
  const rpc::MessageProperties& properties = responder.deliveries()[0].properties;
  CHECK(properties.expiration == "10000");
  CHECK(properties.delivery_mode == 2);
  CHECK(properties.priority == 0);
  CHECK(properties.headers == rpc::AmqpFieldTable{});
  CHECK(responder.deliveries()[0].exchange == "nova");
  CHECK(responder.deliveries()[0].routing_key == topic + ".host1");
}

TEST_CASE("rpc::RpcClient::Call turns a failure into RemoteError naming the class") {
  rpc::RpcClient client = ConnectOrFail();
  const std::string topic = testing::UniqueName("rpctest");
  testing::Responder responder(topic, "host1", 1, [](const rpc::RpcRequest& request) {
    rpc::RpcReply reply = ReplyTo(request, "null");
    reply.failure = rpc::RemoteFailure{"NoSuchMethod", "oslo_messaging.rpc.dispatcher",
                                       "Endpoint does not support RPC method nope", {}, "[\"nope\"]", "{}"};
    return std::vector<rpc::RpcReply>{reply};
  });
  auto reply = client.Call({"", topic, "host1"}, Request("nope", "{}"), milliseconds(10000));
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().code() == base::Code::kRemoteError);
  CHECK(reply.error().message().find("oslo_messaging.rpc.dispatcher.NoSuchMethod") != std::string::npos);
  CHECK(responder.Join().ok());
}

TEST_CASE("rpc::RpcClient::Call times out naming the routing key") {
  rpc::RpcClient client = ConnectOrFail();
  const std::string topic = testing::UniqueName("nobody");
  const auto start = std::chrono::steady_clock::now();
  auto reply = client.Call({"", topic, "host9"}, Request("echo", "{}"), milliseconds(700));
  const auto waited = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.error().code() == base::Code::kTimeout);
  CHECK(reply.error().message().find(topic + ".host9") != std::string::npos);
  CHECK(waited >= milliseconds(700));
  CHECK(waited < milliseconds(3000));
  CHECK(client.last_stats().reply_wait >= milliseconds(600));
}

TEST_CASE("rpc::RpcClient::Cast and FanoutCast") {
  rpc::RpcClient client = ConnectOrFail();
  const std::string topic = testing::UniqueName("rpctest");
  testing::Responder responder(topic, "host1", 1, [](const rpc::RpcRequest&) { return std::vector<rpc::RpcReply>{}; });
  CHECK(client.Cast({"", topic, "host1"}, Request("poke", "{\"n\": 1}"), milliseconds(5000)).ok());
  REQUIRE(responder.Join().ok());
  REQUIRE(responder.requests().size() == 1);
  CHECK_FALSE(responder.requests()[0].msg_id.has_value());
  CHECK(responder.requests()[0].args_json == "{\"n\": 1}");
  CHECK_FALSE(responder.deliveries()[0].properties.expiration.has_value());

  // No fanout consumer: the exchange is still declared and the publish confirmed.
  CHECK(client.FanoutCast(topic, Request("poke", "{}"), milliseconds(5000)).ok());
  rpc::RpcRequest with_msg_id = Request("poke", "{}");
  with_msg_id.msg_id = "x";
  CHECK(client.Cast({"", topic, ""}, with_msg_id, milliseconds(1000)).code() == base::Code::kInvalidInput);
}

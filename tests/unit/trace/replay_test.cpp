// Unit tests of what `trace replay` decides without a broker: which records
// are sent again (agent/trace/replay_plan.h) over the golden vectors (the
// real nova-manage call and nova-compute reply), the pace, how a live reply
// is judged against the recorded one (reply_compare.h), and whether --to is
// the recorded broker (trace_broker.h SameBroker).
#include "agent/trace/replay_plan.h"

#include <doctest/doctest.h>

#include <limits>

#include "agent/trace/reply_compare.h"
#include "agent/trace/trace_broker.h"
#include "tests/unit/trace/trace_test_support.h"

namespace {

using agent::trace::GapBefore;
using agent::trace::ReplaySelection;
using agent::trace::RequestToReplay;
using std::chrono::nanoseconds;

rpc::TraceRecord GoldenCall() { return trace_test::GoldenRecords("nova-manage-refresh-compute-call.json")[0]; }
rpc::TraceRecord GoldenReply() { return trace_test::GoldenRecords("nova-manage-refresh-compute-reply.json")[0]; }

rpc::RpcReply Result(std::string json) {
  rpc::RpcReply reply;
  reply.result_json = std::move(json);
  return reply;
}

rpc::RpcReply Failure(std::string module, std::string class_name, std::string message) {
  rpc::RpcReply reply;
  reply.failure = rpc::RemoteFailure{};
  reply.failure->module = std::move(module);
  reply.failure->class_name = std::move(class_name);
  reply.failure->message = std::move(message);
  return reply;
}

rpc::AmqpConnectOptions To(std::string host, int port, std::string vhost) {
  rpc::AmqpConnectOptions options;
  rpc::TransportHost h;
  h.hostname = std::move(host);
  h.port = port;
  h.username = "nova";
  h.password = "secret";
  options.hosts.push_back(h);
  options.virtual_host = std::move(vhost);
  return options;
}

}  // namespace

TEST_CASE("agent::trace::RequestToReplay") {
  SUBCASE("the recorded call is sent again as recorded, byte for byte but its ids") {
    rpc::TraceRecord record = GoldenCall();
    record.properties = rpc::CallProperties(std::chrono::seconds(60));
    const auto item = RequestToReplay(record, 7, {});
    REQUIRE(item.has_value());
    CHECK(item->n == 7);
    CHECK(item->to.exchange == "nova");
    CHECK(item->to.routing_key == record.routing_key);
    CHECK(item->properties == record.properties);
    CHECK(item->request.method == "remove_volume_connection");
    REQUIRE(item->recorded_msg_id.has_value());
    CHECK(item->exact);
  }
  SUBCASE("--method keeps only the methods named") {
    ReplaySelection selection;
    selection.methods = {"other_method"};
    CHECK_FALSE(RequestToReplay(GoldenCall(), 1, selection).has_value());
    selection.methods.push_back("remove_volume_connection");
    CHECK(RequestToReplay(GoldenCall(), 1, selection).has_value());
  }
  SUBCASE("--rewrite-routing-key replaces a whole routing key, the first match winning") {
    const rpc::TraceRecord record = GoldenCall();
    ReplaySelection selection;
    selection.rewrites = {{"compute", "never"}, {record.routing_key, "compute.elsewhere"}, {record.routing_key, "x"}};
    const auto item = RequestToReplay(record, 1, selection);
    REQUIRE(item.has_value());
    CHECK(item->to.routing_key == "compute.elsewhere");
  }
  SUBCASE("replies, notifications, raw bodies and deliver events are not replayed") {
    CHECK_FALSE(RequestToReplay(GoldenReply(), 1, {}).has_value());
    CHECK_FALSE(RequestToReplay(trace_test::Enveloped("nova", "notifications.info",
                                                      R"({"event_type": "x", "payload": {}, "priority": "INFO"})"),
                                1, {})
                    .has_value());
    rpc::TraceRecord raw = GoldenCall();
    raw.body = "not json";
    CHECK_FALSE(RequestToReplay(raw, 1, {}).has_value());
    rpc::TraceRecord delivered = GoldenCall();
    delivered.event = rpc::TraceEvent::kDeliver;
    CHECK_FALSE(RequestToReplay(delivered, 1, {}).has_value());
  }
  SUBCASE("a cast has no msg_id; a body not in oslo's form is not exact") {
    const auto item = RequestToReplay(
        trace_test::Enveloped("nova", "compute", R"({"method":"ping","args":{},"_unique_id":"ab"})"), 1, {});
    REQUIRE(item.has_value());
    CHECK_FALSE(item->recorded_msg_id.has_value());
    CHECK_FALSE(item->exact);  // oslo writes ", " and ": " between members
  }
}

TEST_CASE("agent::trace::ParseRoutingKeyRewrite") {
  const auto ok = agent::trace::ParseRoutingKeyRewrite("compute.a=compute.b=c");
  REQUIRE(ok.ok());
  CHECK(ok->from == "compute.a");
  CHECK(ok->to == "compute.b=c");
  for (const char* bad : {"compute.a", "=x", "x=", "", "="}) {
    CAPTURE(bad);
    const auto refused = agent::trace::ParseRoutingKeyRewrite(bad);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code() == base::Code::kInvalidInput);
  }
}

TEST_CASE("agent::trace::GapBefore") {
  constexpr auto kMax = std::chrono::duration_cast<nanoseconds>(agent::trace::kMaxReplayGap);
  CHECK(GapBefore(1000, 1500, std::nullopt) == nanoseconds(500));
  CHECK(GapBefore(1500, 1000, std::nullopt) == nanoseconds(0));  // the clock went back
  CHECK(GapBefore(0, std::int64_t{3600} * 1000000000, std::nullopt) == kMax);
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min(), kMaxT = std::numeric_limits<std::int64_t>::max();
  CHECK(GapBefore(kMin, kMaxT, std::nullopt) == kMax);  // no overflow
  CHECK(GapBefore(kMaxT, kMin, std::nullopt) == nanoseconds(0));
  CHECK(GapBefore(0, 5, 4.0) == nanoseconds(250000000));  // the rate, whatever was recorded
  CHECK(GapBefore(0, 5, 0.001) == kMax);
}

TEST_CASE("agent::trace::CompareReplies") {
  SUBCASE("the same result, as JSON values") {
    CHECK(agent::trace::CompareReplies(Result("null"), Result("null")).equal);
    const auto same = agent::trace::CompareReplies(Result(R"({"a": 1, "b": [1, 2]})"), Result(R"({"b":[1,2],"a":1})"));
    CHECK(same.equal);
    CHECK(same.detail.starts_with("equal: result "));
  }
  SUBCASE("another result differs, and says both") {
    const auto other = agent::trace::CompareReplies(Result("null"), Result(R"({"a": 2})"));
    CHECK_FALSE(other.equal);
    CHECK(other.detail == R"(differs: recorded result null, live result {"a":2})");
  }
  SUBCASE("failures of the same class are equal whatever their message") {
    CHECK(agent::trace::CompareReplies(Failure("nova.exception", "NotFound", "id 1"),
                                       Failure("nova.exception", "NotFound", "id 2"))
              .equal);
    CHECK_FALSE(agent::trace::CompareReplies(Failure("nova.exception", "NotFound", "x"),
                                             Failure("nova.exception", "Invalid", "x"))
                    .equal);
  }
  SUBCASE("a failure where a result was recorded differs, and the other way round") {
    CHECK_FALSE(agent::trace::CompareReplies(Result("null"), Failure("builtins", "TypeError", "x")).equal);
    CHECK_FALSE(agent::trace::CompareReplies(Failure("builtins", "TypeError", "x"), Result("null")).equal);
  }
  SUBCASE("a reply is shown with its secrets masked and its control characters escaped") {
    const std::string shown = agent::trace::ShowReply(Result(R"({"auth_password": "chap-1", "x": "a\u001bb"})"));
    CHECK(shown.find("chap-1") == std::string::npos);
    CHECK(shown.find("***") != std::string::npos);
    CHECK(shown.find('\x1b') == std::string::npos);
    CHECK(agent::trace::ShowReply(Failure("nova.exception", "NotFound", "gone")) ==
          "failure nova.exception.NotFound: gone");
  }
}

TEST_CASE("agent::trace::SameBroker") {
  CHECK(agent::trace::SameBroker("127.0.0.1:5672/", To("127.0.0.1", 5672, "/")));
  CHECK(agent::trace::SameBroker("localhost:5672/", To("127.0.0.1", 5672, "/")));  // resolves to it
  CHECK(agent::trace::SameBroker("127.0.0.1:5672/nova%2Fcells", To("127.0.0.1", 5672, "nova/cells")));
  CHECK_FALSE(agent::trace::SameBroker("127.0.0.1:5672/", To("127.0.0.1", 5673, "/")));
  CHECK_FALSE(agent::trace::SameBroker("127.0.0.1:5672/", To("127.0.0.1", 5672, "other")));
  CHECK_FALSE(agent::trace::SameBroker("10.0.0.1:5672/", To("127.0.0.1", 5672, "/")));
  CHECK_FALSE(agent::trace::SameBroker("garbage", To("127.0.0.1", 5672, "/")));
}

// Unit tests of agent/trace/trace_decoder: replies paired with their calls
// (the golden refresh call and its real reply share a _msg_id), selection by
// method and topic, and the broker name a trace header carries.
#include "agent/trace/trace_decoder.h"

#include <doctest/doctest.h>

#include "agent/trace/decode_text.h"
#include "agent/trace/trace_broker.h"
#include "tests/unit/trace/trace_test_support.h"

namespace {

using agent::trace::DecodeSelection;
using agent::trace::Secrets;
using agent::trace::TraceDecoder;

// The golden call, then its reply 25 ms later.
std::vector<rpc::TraceRecord> CallAndReply() {
  rpc::TraceRecord call = trace_test::GoldenRecords("nova-manage-refresh-compute-call.json")[0];
  rpc::TraceRecord reply = trace_test::GoldenRecords("nova-manage-refresh-compute-reply.json")[0];
  reply.t_ns = call.t_ns + 25000000;
  return {call, reply};
}

}  // namespace

TEST_CASE("agent::trace::TraceDecoder pairs a reply with its call") {
  TraceDecoder decoder(Secrets::kMask, {});
  const auto records = CallAndReply();
  const auto call = decoder.Next(records[0]);
  REQUIRE(call.has_value());
  CHECK(call->entry["n"].GetUint64() == 1);
  const auto reply = decoder.Next(records[1]);
  REQUIRE(reply.has_value());
  REQUIRE(call->msg_id == reply->msg_id);
  REQUIRE(reply->entry.HasMember("call"));
  CHECK(reply->entry["call"]["n"].GetUint64() == 1);
  CHECK(std::string(reply->entry["call"]["method"].GetString()) == "remove_volume_connection");
  CHECK(reply->entry["call"]["latency_ms"].GetDouble() == doctest::Approx(25.0));
  CHECK(agent::trace::DecodeText(reply->entry).find("reply to: #1 remove_volume_connection after 25.000 ms") !=
        std::string::npos);
}

TEST_CASE("agent::trace::TraceDecoder: a reply without its call is not paired") {
  TraceDecoder decoder(Secrets::kMask, {});
  const auto reply = decoder.Next(CallAndReply()[1]);
  REQUIRE(reply.has_value());
  CHECK_FALSE(reply->entry.HasMember("call"));
}

TEST_CASE("agent::trace::TraceDecoder selects by method and topic") {
  const auto records = CallAndReply();
  const rpc::TraceRecord other = trace_test::Enveloped("nova", "conductor", R"({"method": "ping", "args": {}})");
  SUBCASE("--method keeps the call and its reply") {
    TraceDecoder decoder(Secrets::kMask, DecodeSelection{"remove_volume_connection", std::nullopt});
    CHECK(decoder.Next(records[0]).has_value());
    CHECK(decoder.Next(other) == std::nullopt);
    CHECK(decoder.Next(records[1]).has_value());
  }
  SUBCASE("another --method drops both") {
    TraceDecoder decoder(Secrets::kMask, DecodeSelection{"ping", std::nullopt});
    CHECK(decoder.Next(records[0]) == std::nullopt);
    CHECK(decoder.Next(other).has_value());
    CHECK(decoder.Next(records[1]) == std::nullopt);
  }
  SUBCASE("--topic") {
    TraceDecoder decoder(Secrets::kMask, DecodeSelection{std::nullopt, "compute"});
    CHECK(decoder.Next(records[0]).has_value());
    CHECK(decoder.Next(other) == std::nullopt);
    CHECK(decoder.Next(records[1]).has_value());
  }
  SUBCASE("the topic of a fanout cast is its exchange's") {
    rpc::TraceRecord fanout;
    fanout.exchange = "compute_fanout";
    CHECK(agent::trace::RequestTopic(fanout) == "compute");
    fanout.exchange = "nova";
    fanout.routing_key = "compute.compute1";
    CHECK(agent::trace::RequestTopic(fanout) == "compute");
  }
}

TEST_CASE("agent::trace::BrokerName") {
  CHECK(agent::trace::BrokerName("127.0.0.1:5672", "/") == "127.0.0.1:5672/");
  CHECK(agent::trace::BrokerName("127.0.0.1:5672", "nova/cells") == "127.0.0.1:5672/nova%2Fcells");
  CHECK(agent::trace::BrokerName("h:1", "cinder") == "h:1/cinder");
}

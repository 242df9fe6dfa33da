// Unit tests of agent/trace/message_decode and decode_text over the golden
// vectors: nova-manage's remove_volume_connection call, nova-compute's
// replies (a result and two failures), and hand-made bodies for the kinds
// and secrets the vectors do not hold.
#include "agent/trace/message_decode.h"

#include <string>

#include <doctest/doctest.h>

#include "agent/rapidjson_strings.h"
#include "agent/trace/decode_text.h"
#include "tests/unit/trace/trace_test_support.h"

namespace {

using agent::trace::DecodeMessage;
using agent::trace::Secrets;

std::string Json(const agent::trace::DecodedMessage& decoded) { return agent::CompactJsonText(decoded.entry); }

// The uuid of the instance in the golden call, as the vector's parsed
// message holds it (tools/record-vectors seeds a fresh instance each time).
std::string GoldenInstanceUuid() {
  rapidjson::Document event;
  event.Parse(rpc_test::GoldenEvents("nova-manage-refresh-compute-call.json")[0].c_str());
  REQUIRE_FALSE(event.HasParseError());
  return event["oslo_message"]["args"]["instance"]["nova_object.data"]["uuid"].GetString();
}

}  // namespace

TEST_CASE("agent::trace::DecodeMessage: nova-manage's remove_volume_connection call") {
  const rpc::TraceRecord call = trace_test::GoldenRecords("nova-manage-refresh-compute-call.json")[0];
  const auto decoded = DecodeMessage(call, Secrets::kMask);
  const rapidjson::Value& entry = decoded.entry;
  CHECK(decoded.kind == "call");
  CHECK(decoded.method == "remove_volume_connection");
  REQUIRE(decoded.msg_id.has_value());
  CHECK(decoded.msg_id->size() == 32);
  CHECK(std::string(entry["exchange"].GetString()) == "nova");
  CHECK(std::string(entry["routing_key"].GetString()) == "compute.compute1");
  CHECK(std::string(entry["version"].GetString()) == "6.0");
  CHECK(std::string(entry["reply_q"].GetString()).starts_with("reply_"));
  CHECK(std::string(entry["context"]["request_id"].GetString()).starts_with("req-"));
  CHECK(entry["context"]["roles"].IsArray());
  CHECK_FALSE(entry["context"].HasMember("auth_token"));  // None in nova-manage's admin context
  const rapidjson::Value& instance = entry["args"]["instance"];
  CHECK(std::string(instance["object"].GetString()) == "Instance");
  CHECK(std::string(instance["version"].GetString()) == "2.7");
  const std::string uuid = GoldenInstanceUuid();
  CHECK(uuid.size() == 36);
  CHECK(std::string(instance["fields"]["uuid"].GetString()) == uuid);
  CHECK_FALSE(instance.HasMember("nova_object.data"));
  // Nested objects are expanded too (the info cache inside the instance).
  CHECK(std::string(instance["fields"]["info_cache"]["object"].GetString()) == "InstanceInfoCache");
  CHECK(entry["args"]["volume_id"].IsString());

  const std::string text = agent::trace::DecodeText(entry);
  CHECK(text.find("call remove_volume_connection version 6.0") != std::string::npos);
  CHECK(text.find("\"object\": \"Instance\"") != std::string::npos);
  CHECK(text.find(uuid) != std::string::npos);
}

TEST_CASE("agent::trace::DecodeMessage: replies and failures") {
  SUBCASE("nova-compute's reply to the refresh call") {
    const auto reply = trace_test::GoldenRecords("nova-manage-refresh-compute-reply.json")[0];
    const auto decoded = DecodeMessage(reply, Secrets::kMask);
    CHECK(decoded.kind == "reply");
    CHECK(decoded.msg_id.has_value());
    CHECK(decoded.entry["result"].IsNull());
    CHECK(decoded.entry["ending"].GetBool());
    CHECK_FALSE(decoded.entry.HasMember("failure"));
  }
  SUBCASE("no such method") {
    const auto reply = trace_test::GoldenRecords("rpc-no-method-compute-reply.json")[0];
    const auto decoded = DecodeMessage(reply, Secrets::kMask);
    REQUIRE(decoded.entry.HasMember("failure"));
    CHECK(std::string(decoded.entry["failure"]["class"].GetString()) == "NoSuchMethod");
    CHECK(std::string(decoded.entry["failure"]["module"].GetString()) == "oslo_messaging.rpc.dispatcher");
    CHECK(agent::trace::DecodeText(decoded.entry).find("failure: oslo_messaging.rpc.dispatcher.NoSuchMethod: ") !=
          std::string::npos);
  }
  SUBCASE("unsupported version") {
    const auto reply = trace_test::GoldenRecords("rpc-bad-version-compute-reply.json")[0];
    const auto decoded = DecodeMessage(reply, Secrets::kMask);
    CHECK(std::string(decoded.entry["failure"]["class"].GetString()) == "UnsupportedVersion");
  }
}

TEST_CASE("agent::trace::DecodeMessage masks secrets unless shown") {
  const std::string message =
      R"({"method": "attach", "args": {"bdm": {"nova_object.name": "BlockDeviceMapping", "nova_object.namespace": "nova", )"
      R"("nova_object.version": "1.20", "nova_object.data": {"connection_info": "{\"driver_volume_type\": \"rbd\", )"
      R"(\"data\": {\"keyring\": \"KEYRING-SECRET\", \"name\": \"volumes/v1\"}}"}}}, )"
      R"("_context_auth_token": "TOKEN-SECRET", "_context_request_id": "req-1", "_context_roles": ["admin"], )"
      R"("_unique_id": "0123456789abcdef0123456789abcdef"})";
  const rpc::TraceRecord record = trace_test::Enveloped("nova", "compute.c1", message);

  const auto masked = DecodeMessage(record, Secrets::kMask);
  const std::string masked_json = Json(masked);
  CHECK(masked.kind == "cast");
  CHECK(masked_json.find("TOKEN-SECRET") == std::string::npos);
  CHECK(masked_json.find("KEYRING-SECRET") == std::string::npos);
  CHECK(std::string(masked.entry["context"]["auth_token"].GetString()) == "***");
  CHECK(masked_json.find("volumes/v1") != std::string::npos);  // not a secret: kept
  CHECK(agent::trace::DecodeText(masked.entry).find("auth_token=***") != std::string::npos);

  const auto shown = DecodeMessage(record, Secrets::kShow);
  const std::string shown_json = Json(shown);
  CHECK(shown_json.find("TOKEN-SECRET") != std::string::npos);
  CHECK(shown_json.find("KEYRING-SECRET") != std::string::npos);
}

TEST_CASE("agent::trace::DecodeMessage: kinds") {
  SUBCASE("a cast to a fanout exchange") {
    const auto decoded = DecodeMessage(
        trace_test::Enveloped("compute_fanout", "", R"({"method": "reset", "args": {}, "version": "6.0"})"),
        Secrets::kMask);
    CHECK(decoded.kind == "fanout");
  }
  SUBCASE("a notification") {
    const auto decoded = DecodeMessage(
        trace_test::Enveloped("nova", "versioned_notifications.info",
                              R"({"message_id": "m", "publisher_id": "bdm-agent:h", "event_type": "volume.refresh", )"
                              R"("priority": "INFO", "payload": {"password": "p"}, "timestamp": "t"})"),
        Secrets::kMask);
    CHECK(decoded.kind == "notification");
    CHECK(decoded.method == "volume.refresh");
    CHECK(std::string(decoded.entry["payload"]["password"].GetString()) == "***");
  }
  SUBCASE("a body that is not an oslo message is raw, not an error") {
    rpc::TraceRecord record;
    record.body = "hello \xff world";
    const auto decoded = DecodeMessage(record, Secrets::kMask);
    CHECK(decoded.kind == "raw");
    CHECK(std::string(decoded.entry["body"].GetString()) == "hello \xEF\xBF\xBD world");
    CHECK(decoded.entry["why"].IsString());
  }
  SUBCASE("JSON that nests too deep is raw, not a crash") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const auto decoded = DecodeMessage(trace_test::Enveloped("nova", "x", deep), Secrets::kMask);
    CHECK(decoded.kind == "raw");
  }
  SUBCASE("an envelope around something else is raw") {
    const auto decoded = DecodeMessage(trace_test::Enveloped("nova", "x", R"({"hello": 1})"), Secrets::kMask);
    CHECK(decoded.kind == "raw");
  }
}

TEST_CASE("agent::trace::DecodeText keeps the terminal inert") {
  const auto decoded = DecodeMessage(
      trace_test::Enveloped("nova\x1b[2J", "k\r", R"({"method": "m\u001b]0;x\u0007", "args": {"a": "\u009b31m \u00e9"}})"),
      Secrets::kMask);
  const std::string text = agent::trace::DecodeText(decoded.entry);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    CHECK_MESSAGE(((u >= 0x20 && u < 0x7f) || c == '\n'), text);
  }
  CHECK(text.find("\\u009b31m \\u00e9") != std::string::npos);
}

TEST_CASE("agent::trace::FormatTime") {
  CHECK(agent::trace::FormatTime(0) == "1970-01-01T00:00:00.000000000Z");
  CHECK(agent::trace::FormatTime(1795693765598154300) == "2026-11-26T11:49:25.598154300Z");
}

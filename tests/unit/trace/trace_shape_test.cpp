// Unit tests of agent/trace/trace_shape (what `trace diff` compares) over
// the golden vectors (the real nova-manage remove_volume_connection call and
// nova-compute's reply): the shape of each, equal traces whatever their ids
// and counts, and a changed method version, object version, argument or
// reply named.
#include "agent/trace/trace_shape.h"

#include <doctest/doctest.h>

#include "rpc/rpc_codec.h"
#include "tests/unit/trace/trace_test_support.h"

namespace {

using agent::trace::DiffShapes;
using agent::trace::TraceShape;

constexpr const char* kCall = "call compute remove_volume_connection";
constexpr const char* kReply = "reply remove_volume_connection";

rpc::TraceRecord GoldenCall() { return trace_test::GoldenRecords("nova-manage-refresh-compute-call.json")[0]; }
rpc::TraceRecord GoldenReply() { return trace_test::GoldenRecords("nova-manage-refresh-compute-reply.json")[0]; }

// The golden call with `edit` applied to its decoded request.
template <typename Edit>
rpc::TraceRecord EditedCall(Edit edit) {
  rpc::TraceRecord record = GoldenCall();
  auto request = rpc::DecodeRequest(record.body);
  REQUIRE(request.ok());
  edit(*request);
  request->json_trusted = false;
  auto body = rpc::EncodeRequest(*request);
  REQUIRE(body.ok());
  record.body = *body;
  return record;
}

TraceShape ShapeOf(const std::vector<rpc::TraceRecord>& records) {
  TraceShape shape;
  for (const rpc::TraceRecord& record : records) shape.Add(record);
  return shape;
}

void Replace(std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("agent::trace::TraceShape of the golden call and reply") {
  const TraceShape shape = ShapeOf({GoldenCall(), GoldenReply()});
  REQUIRE(shape.kinds().count(kCall) == 1);
  const auto& call = shape.kinds().at(kCall);
  CHECK(call.at("version") == std::set<std::string>{"6.0"});
  CHECK(call.at("argument keys") == std::set<std::string>{"instance", "volume_id"});
  CHECK(call.at("objects").count("Instance 2.7") == 1);
  CHECK(call.at("context keys").count("request_id") == 1);
  REQUIRE(shape.kinds().count(kReply) == 1);
  CHECK(shape.kinds().at(kReply).at("reply") == std::set<std::string>{"null"});
}

TEST_CASE("agent::trace::DiffShapes") {
  const TraceShape golden = ShapeOf({GoldenCall(), GoldenReply()});
  SUBCASE("ids, request ids and how many times a shape was seen do not matter") {
    const rpc::TraceRecord other = EditedCall([](rpc::RpcRequest& r) {
      r.msg_id = "0123456789abcdef0123456789abcdef";
      r.unique_id = "fedcba9876543210fedcba9876543210";
      Replace(r.context_json, "\"req-", "\"req-other-");
    });
    CHECK(DiffShapes(golden, ShapeOf({other, GoldenCall(), GoldenReply(), GoldenReply()})).empty());
  }
  SUBCASE("a changed method version is named") {
    const auto lines = DiffShapes(golden, ShapeOf({EditedCall([](rpc::RpcRequest& r) { r.version = "6.1"; }),
                                                   GoldenReply()}));
    REQUIRE(lines.size() >= 1);
    CHECK(lines[0] == std::string(kCall) + ": version: only in A: 6.0; only in B: 6.1");
  }
  SUBCASE("a changed object version is named") {
    const auto lines = DiffShapes(golden, ShapeOf({EditedCall([](rpc::RpcRequest& r) {
                                                     Replace(r.args_json, "\"nova_object.version\": \"2.7\"",
                                                             "\"nova_object.version\": \"2.8\"");
                                                   })}));
    const std::vector<std::string> expected = {std::string(kCall) + ": objects: only in A: Instance 2.7; only in B: Instance 2.8",
                                               std::string(kReply) + ": only in A"};
    CHECK(lines == expected);
  }
  SUBCASE("an argument more, and another reply shape") {
    rpc::TraceRecord reply = GoldenReply();
    Replace(reply.body, "\\\"result\\\": null", "\\\"result\\\": {\\\"a\\\": [1, \\\"x\\\"]}");
    const auto lines = DiffShapes(golden, ShapeOf({EditedCall([](rpc::RpcRequest& r) {
                                                     Replace(r.args_json, "{", "{\"delete_attachment\": true, ");
                                                   }),
                                                   reply}));
    const std::vector<std::string> expected = {
        std::string(kCall) + ": argument keys: only in B: delete_attachment",
        std::string(kReply) + ": reply: only in A: null; only in B: {a: [number|string]}"};
    CHECK(lines == expected);
  }
}

TEST_CASE("agent::trace::JsonShape") {
  const auto shape = [](const char* json) {
    rapidjson::Document d;
    d.Parse(json);
    REQUIRE_FALSE(d.HasParseError());
    return agent::trace::JsonShape(d);
  };
  CHECK(shape("null") == "null");
  CHECK(shape("[]") == "[]");
  CHECK(shape("[1, 2.5, \"a\", true, 3]") == "[bool|number|string]");
  CHECK(shape(R"({"b": 1, "a": {"c": null}})") == "{a: {c: null}, b: number}");
  CHECK(shape(R"({"object": "Instance", "version": "2.7", "fields": {"uuid": "x"}})") == "Instance 2.7");
}

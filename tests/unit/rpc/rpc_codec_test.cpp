// Unit tests of rpc/rpc_codec: decoding and re-encoding the golden vectors
// captured from a real Nova (tests/vectors), and the refusals. Expected
// strings were produced by Python 3.11's json module.
#include "rpc/rpc_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/unit/golden_vectors.h"

namespace fs = std::filesystem;


namespace {

using rpc::JsonKind;

rapidjson::Document Parse(std::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  REQUIRE_FALSE(document.HasParseError());
  return document;
}

std::string String(const rapidjson::Value& value) { return {value.GetString(), value.GetStringLength()}; }

// The _context_* members of an inner message, prefix stripped, in order.
std::vector<std::string> ContextKeys(const rapidjson::Value& message) {
  std::vector<std::string> keys;
  for (const auto& member : message.GetObject()) {
    const std::string key = String(member.name);
    if (key.rfind("_context_", 0) == 0) keys.push_back(key.substr(9));
  }
  return keys;
}

}  // namespace

namespace {

// Whether two index nodes hold the same values at every depth.
bool SameNodes(const rpc::JsonNode& a, const rpc::JsonNode& b) {
  const rpc::JsonMemberView& x = a.view();
  const rpc::JsonMemberView& y = b.view();
  if (x.key_literal != y.key_literal || x.key_escaped != y.key_escaped || x.kind != y.kind || x.json != y.json ||
      x.value_escaped != y.value_escaped) {
    return false;
  }
  auto i = a.begin();
  auto j = b.begin();
  for (; i != a.end() && j != b.end(); ++i, ++j) {
    if (!SameNodes(*i, *j)) return false;
  }
  return i == a.end() && j == b.end();
}

// The context members DecodeRequest kept are the members of context_json.
bool SameMembers(const std::vector<rpc::JsonMemberView>& members, const std::string& context_json) {
  auto split = rpc::SplitTrustedJsonObjectViews(context_json);
  if (!split.ok() || split->size() != members.size()) return false;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const rpc::JsonMemberView& a = members[i];
    const rpc::JsonMemberView& b = (*split)[i];
    if (a.key_literal != b.key_literal || a.key_escaped != b.key_escaped || a.kind != b.kind || a.json != b.json ||
        a.value_escaped != b.value_escaped) {
      return false;
    }
  }
  return true;
}

// The index DecodeRequest made in its scan is the one Build makes of args_json.
bool SameIndex(const rpc::JsonIndex& index, const std::string& args_json) {
  auto built = rpc::JsonIndex::BuildTrusted(args_json);
  return built.ok() && !index.empty() && SameNodes(index.Root(), built->Root());
}

}  // namespace
TEST_CASE("rpc::DecodeRequest decodes every golden call vector") {
  for (const std::string& text : rpc_test::GoldenEvents("-call.json")) {
    const rapidjson::Document event = Parse(text);
    const rapidjson::Value& expected = event["oslo_message"];
    const std::string body = String(event["body_raw"]);
    CAPTURE(String(event["vector"]));
    CHECK(body.size() == event["body_len"].GetUint64());

    auto request = rpc::DecodeRequest(body);
    REQUIRE_MESSAGE(request.ok(), request.error().ToString());
    CHECK(request->method == String(expected["method"]));
    CHECK(request->version == String(expected["version"]));
    CHECK_FALSE(request->namespace_.has_value());
    CHECK(request->msg_id == String(expected["_msg_id"]));
    CHECK(request->reply_q == String(expected["_reply_q"]));
    CHECK(expected["_timeout"].IsNull());
    CHECK_FALSE(request->timeout.has_value());
    CHECK(request->unique_id == String(expected["_unique_id"]));
    CHECK(Parse(request->args_json) == expected["args"]);
    CHECK(SameIndex(request->args_index, request->args_json));
    CHECK(SameMembers(request->context_members, request->context_json));

    const rapidjson::Document context = Parse(request->context_json);
    std::vector<std::string> keys;
    for (const auto& member : context.GetObject()) {
      keys.push_back(String(member.name));
      CHECK(member.value == expected[("_context_" + keys.back()).c_str()]);
    }
    CHECK(keys == ContextKeys(expected));
    CHECK(keys.size() == 25);
  }
}

TEST_CASE("rpc::EncodeRequest re-encodes every golden call vector byte for byte") {
  for (const std::string& text : rpc_test::GoldenEvents("-call.json")) {
    const rapidjson::Document event = Parse(text);
    const std::string body = String(event["body_raw"]);
    CAPTURE(String(event["vector"]));
    auto request = rpc::DecodeRequest(body);
    REQUIRE(request.ok());
    auto encoded = rpc::EncodeRequest(*request);
    REQUIRE_MESSAGE(encoded.ok(), encoded.error().ToString());
    CHECK(*encoded == body);
  }
}

TEST_CASE("rpc::DecodeReply decodes every golden reply vector") {
  for (const std::string& text : rpc_test::GoldenEvents("-reply.json")) {
    const rapidjson::Document event = Parse(text);
    const rapidjson::Value& expected = event["oslo_message"];
    const std::string body = String(event["body_raw"]);
    CAPTURE(String(event["vector"]));
    CHECK(body.size() == event["body_len"].GetUint64());

    auto reply = rpc::DecodeReply(body);
    REQUIRE_MESSAGE(reply.ok(), reply.error().ToString());
    CHECK(Parse(reply->result_json) == expected["result"]);
    CHECK(reply->failure.has_value() == expected["failure"].IsString());
    CHECK(reply->ending == expected["ending"].GetBool());
    CHECK(reply->msg_id == String(expected["_msg_id"]));
    CHECK(reply->unique_id == String(expected["_unique_id"]));
    if (reply->failure) {
      const rapidjson::Document failure = Parse(String(expected["failure"]));
      CHECK(reply->failure->class_name == String(failure["class"]));
      CHECK(reply->failure->message == String(failure["message"]));
    }
  }
}

TEST_CASE("rpc::EncodeReply re-encodes every golden reply vector byte for byte") {
  for (const std::string& text : rpc_test::GoldenEvents("-reply.json")) {
    const rapidjson::Document event = Parse(text);
    const std::string body = String(event["body_raw"]);
    CAPTURE(String(event["vector"]));
    auto reply = rpc::DecodeReply(body);
    REQUIRE(reply.ok());
    auto encoded = rpc::EncodeReply(*reply);
    REQUIRE_MESSAGE(encoded.ok(), encoded.error().ToString());
    CHECK(*encoded == body);
  }
}

TEST_CASE("tests/corpus/envelope holds the golden bodies byte for byte") {
  std::set<std::string> bodies;
  for (const char* suffix : {"-call.json", "-reply.json"}) {
    for (const std::string& text : rpc_test::GoldenEvents(suffix)) bodies.insert(String(Parse(text)["body_raw"]));
  }
  const fs::path root = rpc_test::RepoRoot();
  REQUIRE_FALSE(root.empty());
  std::set<std::string> corpus;
  for (const auto& entry : fs::directory_iterator(root / "tests" / "corpus" / "envelope")) {
    corpus.insert(rpc_test::ReadBytes(entry.path()));
  }
  CHECK(corpus == bodies);
}

TEST_CASE("rpc::DecodeRequest refuses malformed bodies") {
  struct Case {
    std::string name;
    std::string body;
    std::string message;
  };
  const auto inner = [](const std::string& message) {
    return R"({"oslo.version": "2.0", "oslo.message": )" + *rpc::PythonJsonString(message) + "}";
  };
  const std::vector<Case> cases = {
      {"empty body", "", "RPC envelope: body is not JSON: The document is empty (offset 0)"},
      {"not JSON", "hello", "RPC envelope: body is not JSON: Invalid value (offset 0)"},
      {"trailing data", "{} {}", "RPC envelope: body is not JSON: The document root must not be followed by other values (offset 3)"},
      {"NUL after the object", std::string("{}\0{}", 5), "RPC envelope: body is not JSON: NUL byte (offset 2)"},
      {"invalid UTF-8", "{\"a\": \"\xff\"}", "RPC envelope: body is not JSON: invalid UTF-8 (offset 7)"},
      {"UTF-8 cut short at the end", "{\"a\": \"\xe2\x82", "RPC envelope: body is not JSON: invalid UTF-8 (offset 7)"},
      {"an encoded surrogate", "{\"a\": \"\xed\xa0\x80\"}", "RPC envelope: body is not JSON: invalid UTF-8 (offset 7)"},
      {"top-level array", "[1, 2]", "RPC envelope: body is not a JSON object"},
      {"version not a string", R"({"oslo.version": 2.0, "oslo.message": "{}"})", "RPC envelope: 'oslo.version' is not a string: 2.0"},
      {"version 3.0", R"({"oslo.version": "3.0", "oslo.message": "{}"})", R"(RPC envelope: oslo.version "3.0" is not compatible with 2.0)"},
      {"message an object", R"({"oslo.version": "2.0", "oslo.message": {"method": "x"}})", "RPC envelope: 'oslo.message' is not a string: {\"method\": \"x\"}"},
      {"message not JSON", inner("{method"), "RPC request: oslo.message is not JSON: Missing a name for object member (offset 1)"},
      {"message an array", inner("[]"), "RPC request: oslo.message is not a JSON object"},
      {"method missing", inner(R"({"args": {}})"), "RPC request: 'method' is missing"},
      {"method a number", inner(R"({"method": 7, "args": {}})"), "RPC request: 'method' is not a string: 7"},
      {"args missing", inner(R"({"method": "m"})"), "RPC request: 'args' is missing"},
      {"args an array", inner(R"({"method": "m", "args": [1]})"), "RPC request: 'args' is not an object: [1]"},
      {"namespace a number", inner(R"({"method": "m", "args": {}, "namespace": 1})"), "RPC request: 'namespace' is not a string: 1"},
      {"version null", inner(R"({"method": "m", "args": {}, "version": null})"), "RPC request: 'version' is not a string: null"},
      {"_msg_id a list", inner(R"({"method": "m", "args": {}, "_msg_id": [], "_reply_q": "q"})"), "RPC request: '_msg_id' is not a string: []"},
      {"_msg_id without _reply_q", inner(R"({"method": "m", "args": {}, "_msg_id": "i"})"), "RPC request: _msg_id and _reply_q must come together"},
      {"_timeout a string", inner(R"({"method": "m", "args": {}, "_msg_id": "i", "_reply_q": "q", "_timeout": "60"})"), "RPC request: '_timeout' is not a number or null: \"60\""},
      {"_timeout infinite", inner(R"({"method": "m", "args": {}, "_msg_id": "i", "_reply_q": "q", "_timeout": Infinity})"), "RPC request: _timeout is not finite"},
      {"_timeout on a cast", inner(R"({"method": "m", "args": {}, "_timeout": 5})"), "RPC request: a cast (no _msg_id) has a _timeout"},
      {"_unique_id a number", inner(R"({"method": "m", "args": {}, "_unique_id": 5})"), "RPC request: '_unique_id' is not a string: 5"},
      {"nested too deep", inner(R"({"method": "m", "args": {"a": )" + std::string(600, '[') + std::string(600, ']') + "}}"),
       "RPC request: oslo.message is not JSON: nested deeper than 512 levels"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    auto request = rpc::DecodeRequest(c.body);
    REQUIRE_FALSE(request.ok());
    CHECK(request.error().code() == base::Code::kCorrupt);
    CHECK(request.error().message().rfind(c.message, 0) == 0);
    CHECK(request.error().message().find('\n') == std::string::npos);
    CHECK_MESSAGE(request.error().message().size() < 200, request.error().message());
  }
}

TEST_CASE("rpc::DecodeRequest reads what Python would") {
  const auto inner = [](const std::string& message) {
    return R"({"oslo.version": "2.0", "oslo.message": )" + *rpc::PythonJsonString(message) + "}";
  };
  SUBCASE("null optional keys are absent; unknown keys are dropped") {
    auto request = rpc::DecodeRequest(inner(
        R"({"method": "m", "args": {}, "namespace": null, "_msg_id": null, "_reply_q": null, "_unique_id": null, "x": 1})"));
    REQUIRE(request.ok());
    CHECK_FALSE(request->namespace_.has_value());
    CHECK_FALSE(request->msg_id.has_value());
    CHECK(request->unique_id.empty());
    CHECK(request->context_json == "{}");
    CHECK(SameIndex(request->args_index, request->args_json));
  }
  SUBCASE("a repeated key keeps the last value at the first position") {
    auto request = rpc::DecodeRequest(inner(R"({"method": "a", "args": {"x": 1, "y": 2, "x": 3}, "method": "b"})"));
    REQUIRE(request.ok());
    CHECK(request->method == "b");
    CHECK(request->args_json == R"({"x": 3, "y": 2})");
    CHECK(SameIndex(request->args_index, request->args_json));  // re-rendered, then indexed
  }
  SUBCASE("the args index outlives the decoded request's moves and copies") {
    auto request = rpc::DecodeRequest(inner(
        R"({"method": "m", "args": {"a": [1, {"b": "c\\u00e9"}], "z": null}, "_context_k\\u00e9y": [true]})"));
    REQUIRE(request.ok());
    rpc::RpcRequest moved = std::move(*request);
    const rpc::RpcRequest copy = moved;
    moved = rpc::RpcRequest();
    CHECK(SameIndex(copy.args_index, copy.args_json));
    CHECK(SameMembers(copy.context_members, copy.context_json));
    std::vector<std::string> keys;
    for (const rpc::JsonNode arg : copy.args_index.Root()) keys.push_back(arg.view().Key());
    CHECK(keys == std::vector<std::string>{"a", "z"});
  }
  SUBCASE("a numeric _timeout") {
    auto request = rpc::DecodeRequest(
        inner(R"({"method": "m", "args": {}, "_msg_id": "i", "_reply_q": "q", "_timeout": 60, "_unique_id": "u"})"));
    REQUIRE(request.ok());
    CHECK(request->timeout == 60.0);
  }
}

TEST_CASE("rpc::EncodeRequest writes what oslo.messaging writes") {
  SUBCASE("a cast with a namespace, non-ASCII text and a caller's compact JSON") {
    rpc::RpcRequest request;
    request.method = "ping";
    request.namespace_ = "baseapi";
    request.version = "1.1";
    request.args_json = "{\"name\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\",\"n\":1e16}";
    request.context_json = R"({"request_id":"req-x","roles":["admin"]})";
    request.unique_id = "00112233445566778899aabbccddeeff";
    auto body = rpc::EncodeRequest(request);
    REQUIRE(body.ok());
    CHECK(*body ==
          R"({"oslo.version": "2.0", "oslo.message": "{\"method\": \"ping\", \"args\": {\"name\": \"caf\\u00e9 \\ud83d\\ude00\", \"n\": 1e+16}, \"namespace\": \"baseapi\", \"version\": \"1.1\", \"_unique_id\": \"00112233445566778899aabbccddeeff\", \"_context_request_id\": \"req-x\", \"_context_roles\": [\"admin\"]}"})");
  }
  SUBCASE("a call with a call-monitor timeout") {
    rpc::RpcRequest request;
    request.method = "remove_volume_connection";
    request.version = "6.0";
    request.args_json = R"({"volume_id": "v", "instance": {"a": 1.5}})";
    request.context_json = R"({"is_admin": true})";
    request.msg_id = "m";
    request.reply_q = "reply_q";
    request.timeout = 60;
    request.unique_id = "u";
    auto body = rpc::EncodeRequest(request);
    REQUIRE(body.ok());
    CHECK(*body ==
          R"({"oslo.version": "2.0", "oslo.message": "{\"method\": \"remove_volume_connection\", \"args\": {\"volume_id\": \"v\", \"instance\": {\"a\": 1.5}}, \"version\": \"6.0\", \"_msg_id\": \"m\", \"_reply_q\": \"reply_q\", \"_timeout\": 60, \"_unique_id\": \"u\", \"_context_is_admin\": true}"})");
    request.timeout = 0.5;
    CHECK(rpc::EncodeRequest(request)->find(R"(\"_timeout\": 0.5,)") != std::string::npos);
    request.timeout.reset();
    CHECK(rpc::EncodeRequest(request)->find(R"(\"_timeout\": null,)") != std::string::npos);
  }
  SUBCASE("json_trusted: the same bytes without checking args and context again") {
    rpc::RpcRequest request;
    request.method = "m";
    request.unique_id = "u";
    request.args_json = R"({"s": "caf\u00e9 [{", "o": {"k": [1, "]\"}"]}})";
    request.context_json = R"({"is_admin": true, "k\u00e9y": null, "roles": ["admin"]})";
    const auto checked = rpc::EncodeRequest(request);
    REQUIRE(checked.ok());
    request.json_trusted = true;
    CHECK(rpc::EncodeRequest(request).value() == *checked);
    // Only the outer shape is looked at, but that is.
    request.args_json = "[]";
    CHECK(rpc::EncodeRequest(request).error().message() == "RPC request: args_json is not a JSON object");
    request.args_json = "{}";
    request.context_json = "[1]";
    CHECK(rpc::EncodeRequest(request).error().message() ==
          "RPC request: context_json is not a JSON object in Python's format");
    // What DecodeRequest gives is marked, and encodes back to the same body.
    const auto decoded = rpc::DecodeRequest(*checked);
    REQUIRE(decoded.ok());
    CHECK(decoded->json_trusted);
    CHECK(rpc::EncodeRequest(*decoded).value() == *checked);
  }
}

TEST_CASE("rpc::EncodeRequest refuses invalid requests") {
  rpc::RpcRequest valid;
  valid.method = "m";
  valid.unique_id = "u";
  REQUIRE(rpc::EncodeRequest(valid).ok());
  struct Case {
    std::string name;
    rpc::RpcRequest request;
    std::string message;
  };
  std::vector<Case> cases(9, Case{"", valid, ""});
  cases[0].name = "no method", cases[0].request.method.clear(), cases[0].message = "RPC request: method is empty";
  cases[1].name = "no unique_id", cases[1].request.unique_id.clear(), cases[1].message = "RPC request: unique_id is empty";
  cases[2].name = "args not JSON", cases[2].request.args_json = "{", cases[2].message = "RPC request: args_json is not JSON";
  cases[3].name = "args an array", cases[3].request.args_json = "[]", cases[3].message = "RPC request: args_json is not a JSON object";
  cases[4].name = "context a string", cases[4].request.context_json = "\"x\"", cases[4].message = "RPC request: context_json is not a JSON object";
  cases[5].name = "msg_id alone", cases[5].request.msg_id = "i", cases[5].message = "RPC request: _msg_id and _reply_q must come together";
  cases[6].name = "timeout on a cast", cases[6].request.timeout = 1, cases[6].message = "RPC request: a cast (no _msg_id) has a _timeout";
  cases[7].name = "method not UTF-8", cases[7].request.method = "\xc3", cases[7].message = "RPC request: 'method' is not UTF-8";
  cases[8].name = "NaN timeout", cases[8].request.msg_id = "i", cases[8].request.reply_q = "q";
  cases[8].request.timeout = std::nan(""), cases[8].message = "RPC request: _timeout is not finite";
  for (const Case& c : cases) {
    CAPTURE(c.name);
    auto body = rpc::EncodeRequest(c.request);
    REQUIRE_FALSE(body.ok());
    CHECK(body.error().code() == base::Code::kInvalidInput);
    CHECK(body.error().message().rfind(c.message, 0) == 0);
  }
}

TEST_CASE("rpc::EncodeReply writes what oslo.messaging writes") {
  SUBCASE("a failure") {
    rpc::RpcReply reply;
    reply.msg_id = "m";
    reply.unique_id = "u";
    reply.failure = rpc::RemoteFailure{"VolumeNotFound", "nova.exception", "Volume v could not be found.",
                                       {"Traceback (most recent call last):\n",
                                        "nova.exception.VolumeNotFound: Volume v could not be found.\n"},
                                       "[]", R"({"volume_id": "v", "code": 404})"};
    auto body = rpc::EncodeReply(reply);
    REQUIRE(body.ok());
    CHECK(*body ==
          R"({"oslo.version": "2.0", "oslo.message": "{\"result\": null, \"failure\": \"{\\\"class\\\": \\\"VolumeNotFound\\\", \\\"module\\\": \\\"nova.exception\\\", \\\"message\\\": \\\"Volume v could not be found.\\\", \\\"tb\\\": [\\\"Traceback (most recent call last):\\\\n\\\", \\\"nova.exception.VolumeNotFound: Volume v could not be found.\\\\n\\\"], \\\"args\\\": [], \\\"kwargs\\\": {\\\"volume_id\\\": \\\"v\\\", \\\"code\\\": 404}}\", \"ending\": true, \"_msg_id\": \"m\", \"_unique_id\": \"u\"}"})");
    auto decoded = rpc::DecodeReply(*body);
    REQUIRE(decoded.ok());
    REQUIRE(decoded->failure.has_value());
    CHECK(decoded->failure->Summary() == "nova.exception.VolumeNotFound: Volume v could not be found.");
  }
  SUBCASE("a call-monitor heartbeat") {
    rpc::RpcReply reply;
    reply.ending = false;
    reply.msg_id = "m";
    reply.unique_id = "u";
    CHECK(*rpc::EncodeReply(reply) ==
          R"({"oslo.version": "2.0", "oslo.message": "{\"result\": null, \"failure\": null, \"ending\": false, \"_msg_id\": \"m\", \"_unique_id\": \"u\"}"})");
  }
  SUBCASE("refusals") {
    rpc::RpcReply reply;
    reply.unique_id = "u";
    CHECK(rpc::EncodeReply(reply).error().message() == "RPC reply: msg_id is empty");
    reply.msg_id = "m";
    reply.result_json = "{";
    CHECK(rpc::EncodeReply(reply).error().code() == base::Code::kInvalidInput);
    reply.result_json = "null";
    reply.failure = rpc::RemoteFailure{};
    reply.failure->args_json = "{}";
    CHECK(rpc::EncodeReply(reply).error().message() == "RPC reply: failure: remote failure: args_json is not a JSON array");
  }
}

TEST_CASE("rpc::DecodeReply refuses malformed replies") {
  const auto inner = [](const std::string& message) {
    return R"({"oslo.version": "2.0", "oslo.message": )" + *rpc::PythonJsonString(message) + "}";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"result": null, "ending": true, "_msg_id": "m"})", "RPC reply: 'failure' is missing"},
      {R"({"result": null, "failure": null, "_msg_id": "m"})", "RPC reply: 'ending' is missing"},
      {R"({"result": null, "failure": null, "ending": true})", "RPC reply: '_msg_id' is missing"},
      {R"({"failure": null, "ending": 1, "_msg_id": "m"})", "RPC reply: 'ending' is not a bool: 1"},
      {R"({"failure": {"class": "X"}, "ending": true, "_msg_id": "m"})", "RPC reply: 'failure' is not a string: {\"class\": \"X\"}"},
      {R"({"failure": "Traceback", "ending": true, "_msg_id": "m"})", "RPC reply: failure: remote failure is not JSON: Invalid value (offset 0)"},
      {R"({"failure": "{\"tb\": \"x\"}", "ending": true, "_msg_id": "m"})", "RPC reply: failure: remote failure: 'tb' is not an array of strings: \"x\""},
      {R"({"failure": null, "ending": true, "_msg_id": 5})", "RPC reply: '_msg_id' is not a string: 5"},
  };
  for (const auto& [message, expected] : cases) {
    CAPTURE(message);
    auto reply = rpc::DecodeReply(inner(message));
    REQUIRE_FALSE(reply.ok());
    CHECK(reply.error().code() == base::Code::kCorrupt);
    CHECK(reply.error().message() == expected);
  }
  SUBCASE("an empty failure string is no failure, a missing result is null") {
    auto reply = rpc::DecodeReply(inner(R"({"failure": "", "ending": false, "_msg_id": "m"})"));
    REQUIRE(reply.ok());
    CHECK_FALSE(reply->failure.has_value());
    CHECK(reply->result_json == "null");
    CHECK_FALSE(reply->ending);
    CHECK(reply->unique_id.empty());
  }
}

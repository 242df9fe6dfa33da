// Unit tests of rpc/rpc_dispatcher: oslo's version compatibility (the table
// is what oslo_messaging._utils.version_is_compatible 14.0.3 returns for
// each pair), endpoint selection by namespace and version, and the failures
// a Python server sends, compared with the golden replies of a real Nova.
#include "rpc/rpc_dispatcher.h"

#include <rapidjson/document.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/unit/golden_vectors.h"

namespace {

rpc::Handler Returning(std::string json) {
  return [json](const rpc::CallInput&) { return rpc::HandlerResult::Return(json); };
}

rpc::Endpoint MakeEndpoint(std::optional<std::string> ns, std::string version,
                           std::vector<std::pair<std::string, std::string>> methods) {
  rpc::Endpoint endpoint;
  endpoint.namespace_ = std::move(ns);
  endpoint.version = std::move(version);
  for (auto& [name, result] : methods) endpoint.methods[name] = Returning(result);
  return endpoint;
}

rpc::RpcRequest Request(std::string method, std::optional<std::string> version = std::nullopt,
                        std::optional<std::string> ns = std::nullopt) {
  rpc::RpcRequest request;
  request.method = std::move(method);
  request.version = std::move(version);
  request.namespace_ = std::move(ns);
  return request;
}

// The failure of the first golden reply in `vector` that carries one.
rpc::RemoteFailure GoldenFailure(const std::string& vector) {
  for (const std::string& text : rpc_test::GoldenEvents("-reply.json")) {
    rapidjson::Document event;
    event.Parse(text.c_str());
    if (event["vector"].GetString() != vector) continue;
    auto reply = rpc::DecodeReply(event["body_raw"].GetString());
    REQUIRE(reply.ok());
    if (reply->failure) return *reply->failure;
  }
  FAIL("no failure in ", vector);
  return {};
}

void CheckSameAsPython(const rpc::RemoteFailure& ours, const rpc::RemoteFailure& python) {
  CHECK(ours.class_name == python.class_name);
  CHECK(ours.module == python.module);
  CHECK(ours.message == python.message);
  CHECK(ours.args_json == python.args_json);
  CHECK(ours.kwargs_json == python.kwargs_json);
  REQUIRE_FALSE(ours.traceback.empty());
  CHECK(ours.traceback.back() == python.traceback.back());  // Python's last line: "<module>.<class>: <message>\n"
}

}  // namespace

TEST_CASE("rpc::VersionIsCompatible") {
  struct Case {
    const char* implemented;
    const char* requested;
    const char* expected;  // "true", "false" or the Python exception text
  };
  const std::vector<Case> cases = {
      {"1.3", "1.0", "true"},
      {"1.3", "1.3", "true"},
      {"1.3", "1.4", "false"},
      {"1.3", "2.0", "false"},
      {"2.0", "1.0", "false"},
      {"1.3.2", "1.3.1", "true"},
      {"1.3.2", "1.3.3", "false"},
      {"1.3", "1.2.9", "true"},
      {"1.3", "1.3.1", "false"},
      {" 1 ", "1.0", "IndexError: list index out of range"},
      {"1.3", " 1 . 2 ", "true"},
      {"1.3", "1_0.0", "false"},
      {"10.3", "1_0.1", "true"},
      {"1.3", "x.0", "ValueError: invalid literal for int() with base 10: 'x'"},
      {"1.3", "1", "IndexError: list index out of range"},
      {"1.3", "2", "false"},
      {"1.3", "", "ValueError: invalid literal for int() with base 10: ''"},
      {"1.3", "1.x", "ValueError: invalid literal for int() with base 10: 'x'"},
      {"1.3", "1.3.x", "ValueError: invalid literal for int() with base 10: 'x'"},
      {"1.3", "1.2.x", "true"},
      {"1.3", "1'.0", "ValueError: invalid literal for int() with base 10: \"1'\""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.implemented);
    CAPTURE(c.requested);
    auto result = rpc::VersionIsCompatible(c.implemented, c.requested);
    if (result.ok()) {
      CHECK(std::string(*result ? "true" : "false") == c.expected);
    } else {
      CHECK(result.error().message() == c.expected);
    }
  }
}

TEST_CASE("rpc::RpcDispatcher selects the endpoint") {
  SUBCASE("a request without version is 1.0, compatible with a 1.x endpoint") {
    rpc::RpcDispatcher dispatcher({MakeEndpoint(std::nullopt, "1.3", {{"echo", "1"}})});
    auto result = dispatcher.Dispatch(Request("echo"));
    CHECK_FALSE(result.failure);
    CHECK(result.result_json == "1");
  }
  SUBCASE("a too new minor or another major is UnsupportedVersion") {
    rpc::RpcDispatcher dispatcher({MakeEndpoint(std::nullopt, "1.3", {{"echo", "1"}})});
    for (const char* version : {"1.4", "2.0", "0.9"}) {
      auto result = dispatcher.Dispatch(Request("echo", version));
      REQUIRE(result.failure);
      CHECK(result.failure->class_name == "UnsupportedVersion");
      CHECK(result.failure->module == "oslo_messaging.rpc.dispatcher");
      CHECK(result.failure->message ==
            "Endpoint does not support RPC version " + std::string(version) + ". Attempted method: echo");
    }
  }
  SUBCASE("the first endpoint in order that is compatible and has the method runs it") {
    rpc::RpcDispatcher dispatcher({MakeEndpoint(std::nullopt, "1.0", {{"echo", "\"old\""}}),
                                   MakeEndpoint(std::nullopt, "1.5", {{"other", "2"}}),
                                   MakeEndpoint(std::nullopt, "1.5", {{"echo", "\"new\""}}),
                                   MakeEndpoint(std::nullopt, "1.9", {{"echo", "\"newest\""}})});
    CHECK(dispatcher.Dispatch(Request("echo", "1.0")).result_json == "\"old\"");
    CHECK(dispatcher.Dispatch(Request("echo", "1.4")).result_json == "\"new\"");
    CHECK(dispatcher.Dispatch(Request("echo", "1.7")).result_json == "\"newest\"");
    CHECK(dispatcher.Dispatch(Request("other", "1.1")).result_json == "2");
  }
  SUBCASE("namespaces must match exactly; no namespace matches only none") {
    rpc::RpcDispatcher dispatcher({MakeEndpoint(std::nullopt, "1.0", {{"echo", "\"plain\""}}),
                                   MakeEndpoint("ns", "2.0", {{"echo", "\"ns\""}})});
    CHECK(dispatcher.Dispatch(Request("echo")).result_json == "\"plain\"");
    CHECK(dispatcher.Dispatch(Request("echo", "2.0", "ns")).result_json == "\"ns\"");
    auto wrong_ns = dispatcher.Dispatch(Request("echo", "2.0", "other"));
    REQUIRE(wrong_ns.failure);
    CHECK(wrong_ns.failure->class_name == "UnsupportedVersion");
    auto wrong_version = dispatcher.Dispatch(Request("echo", "1.0", "ns"));
    REQUIRE(wrong_version.failure);
    CHECK(wrong_version.failure->class_name == "UnsupportedVersion");
  }
  SUBCASE("a compatible endpoint without the method is NoSuchMethod") {
    rpc::RpcDispatcher dispatcher({MakeEndpoint(std::nullopt, "1.3", {{"echo", "1"}}),
                                   MakeEndpoint("ns", "1.3", {{"missing", "1"}})});
    auto result = dispatcher.Dispatch(Request("missing", "1.1"));
    REQUIRE(result.failure);
    CHECK(result.failure->class_name == "NoSuchMethod");
    CHECK(result.failure->module == "oslo_messaging.rpc.dispatcher");
    CHECK(result.failure->message == "Endpoint does not support RPC method missing");
  }
  SUBCASE("methods starting with '_' are never run (DefaultRPCAccessPolicy)") {
    rpc::RpcDispatcher dispatcher({MakeEndpoint(std::nullopt, "1.0", {{"_private", "1"}})});
    auto result = dispatcher.Dispatch(Request("_private"));
    REQUIRE(result.failure);
    CHECK(result.failure->class_name == "NoSuchMethod");
  }
  SUBCASE("an unreadable version fails as Python's int() does") {
    rpc::RpcDispatcher dispatcher({MakeEndpoint(std::nullopt, "1.0", {{"echo", "1"}})});
    auto result = dispatcher.Dispatch(Request("echo", "one.two"));
    REQUIRE(result.failure);
    CHECK(result.failure->class_name == "ValueError");
    CHECK(result.failure->module == "builtins");
    CHECK(result.failure->message == "invalid literal for int() with base 10: 'one'");
    CHECK(result.failure->traceback.back() == "ValueError: invalid literal for int() with base 10: 'one'\n");
  }
  SUBCASE("no endpoints at all: UnsupportedVersion, as in Python") {
    rpc::RpcDispatcher dispatcher({});
    auto result = dispatcher.Dispatch(Request("echo"));
    REQUIRE(result.failure);
    CHECK(result.failure->message == "Endpoint does not support RPC version 1.0. Attempted method: echo");
  }
}

TEST_CASE("rpc::RpcDispatcher passes context and args to the handler") {
  rpc::Endpoint endpoint;
  endpoint.methods["add"] = [](const rpc::CallInput& input) {
    const rpc::JsonPart* a = input.Arg("a");
    const rpc::JsonPart* b = input.Arg("b");
    if (a == nullptr || b == nullptr) {
      return rpc::HandlerResult::Raise(rpc::MakeRemoteFailure("TypeError", "builtins", "missing"));
    }
    return rpc::HandlerResult::Return(std::to_string(std::stoll(a->json) + std::stoll(b->json)));
  };
  endpoint.methods["whoami"] = [](const rpc::CallInput& input) {
    return rpc::HandlerResult::Return(input.context_json);
  };
  endpoint.methods["boom"] = [](const rpc::CallInput&) -> rpc::HandlerResult {
    throw std::runtime_error("handler bug");
  };
  rpc::RpcDispatcher dispatcher({std::move(endpoint)});
  rpc::RpcRequest add = Request("add");
  add.args_json = R"({"a": 2, "b": 40})";
  CHECK(dispatcher.Dispatch(add).result_json == "42");
  add.args_json = R"({"a": 2})";
  CHECK(dispatcher.Dispatch(add).failure->class_name == "TypeError");
  rpc::RpcRequest whoami = Request("whoami");
  whoami.context_json = R"({"user_id": "u1", "is_admin": true})";
  CHECK(dispatcher.Dispatch(whoami).result_json == R"({"user_id": "u1", "is_admin": true})");
  auto boom = dispatcher.Dispatch(Request("boom"));
  REQUIRE(boom.failure);
  CHECK(boom.failure->class_name == "RuntimeError");
  CHECK(boom.failure->message == "handler bug");
  rpc::RpcRequest bad_args = Request("add");
  bad_args.args_json = "[1]";
  CHECK(dispatcher.Dispatch(bad_args).failure->class_name == "TypeError");
}

TEST_CASE("rpc::RpcDispatcher checks the args of a request not marked json_trusted") {
  rpc::Endpoint endpoint;
  endpoint.methods["count"] = [](const rpc::CallInput& input) {
    return rpc::HandlerResult::Return(std::to_string(input.args.size()));
  };
  rpc::RpcDispatcher dispatcher({std::move(endpoint)});
  rpc::RpcRequest request = Request("count");
  request.args_json = R"({"a":1,"b":2})";  // JSON, not in Python's format
  CHECK(dispatcher.Dispatch(request).result_json == "2");
  request.args_json = R"({"a": 01, "b": 2})";  // the shape of Python's format, but not JSON
  auto refused = dispatcher.Dispatch(request);
  REQUIRE(refused.failure);
  CHECK(refused.failure->class_name == "TypeError");
  request.args_json = R"({"a": 1, "b": 2})";
  request.json_trusted = true;  // as DecodeRequest sets it: split without a check
  CHECK(dispatcher.Dispatch(request).result_json == "2");
}

TEST_CASE("rpc::RpcDispatcher failures equal a Python server's (golden replies)") {
  // Nova's compute manager serves version 6.x, namespace none.
  rpc::RpcDispatcher dispatcher({MakeEndpoint(std::nullopt, "6.2", {{"remove_volume_connection", "null"}})});
  SUBCASE("UnsupportedVersion") {
    auto result = dispatcher.Dispatch(Request("remove_volume_connection", "6.99"));
    REQUIRE(result.failure);
    CheckSameAsPython(*result.failure, GoldenFailure("rpc-bad-version-compute-reply.json"));
  }
  SUBCASE("NoSuchMethod, for the very request the golden call sent") {
    std::optional<rpc::RpcRequest> request;
    for (const std::string& text : rpc_test::GoldenEvents("-call.json")) {
      rapidjson::Document event;
      event.Parse(text.c_str());
      if (std::string(event["vector"].GetString()) != "rpc-no-method-compute-call.json") continue;
      auto decoded = rpc::DecodeRequest(event["body_raw"].GetString());
      if (decoded.ok() && decoded->msg_id) {
        request = *decoded;
        break;
      }
    }
    REQUIRE(request);
    auto result = dispatcher.Dispatch(*request);
    REQUIRE(result.failure);
    CheckSameAsPython(*result.failure, GoldenFailure("rpc-no-method-compute-reply.json"));
  }
  SUBCASE("the encoded failure has oslo's key order and format") {
    auto ours = rpc::EncodeRemoteFailure(rpc::MakeRemoteFailure("BdmError", "bdm.mod", "caf\u00e9 \"q\""));
    REQUIRE(ours.ok());
    CHECK(*ours == R"({"class": "BdmError", "module": "bdm.mod", "message": "caf\u00e9 \"q\"", )"
                   R"("tb": ["bdm.mod.BdmError: caf\u00e9 \"q\"\n"], "args": ["caf\u00e9 \"q\""], "kwargs": {}})");
  }
}

TEST_CASE("rpc::OsloPingEndpoint answers oslo_rpc_server_ping as oslo's PingEndpoint") {
  rpc::RpcDispatcher dispatcher({MakeEndpoint(std::string("bdm_agent"), "1.0", {{"ping", "1"}}), rpc::OsloPingEndpoint()});
  SUBCASE("no namespace, version 1.0, any keyword arguments: \"pong\"") {
    auto request = Request("oslo_rpc_server_ping");
    request.args_json = R"({"anything": 1})";
    auto result = dispatcher.Dispatch(request);
    CHECK_FALSE(result.failure);
    CHECK(result.result_json == "\"pong\"");
  }
  SUBCASE("not in another namespace") {
    auto result = dispatcher.Dispatch(Request("oslo_rpc_server_ping", "1.0", std::string("bdm_agent")));
    REQUIRE(result.failure);
    CHECK(result.failure->class_name == "NoSuchMethod");
  }
}

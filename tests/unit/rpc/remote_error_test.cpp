// Unit tests of rpc/remote_error: the `failure` field of the golden reply
// vectors (tests/vectors), its refusals, and oslo's _Remote suffix rule.
#include "rpc/remote_error.h"

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "tests/unit/golden_vectors.h"

namespace {

std::string String(const rapidjson::Value& value) { return {value.GetString(), value.GetStringLength()}; }

// The failure strings of the golden replies, straight from the vector files.
std::vector<std::string> GoldenFailures() {
  std::vector<std::string> failures;
  for (const std::string& text : rpc_test::GoldenEvents("-reply.json")) {
    rapidjson::Document event;
    event.Parse(text.c_str());
    REQUIRE_FALSE(event.HasParseError());
    if (event["oslo_message"]["failure"].IsString()) failures.push_back(String(event["oslo_message"]["failure"]));
  }
  REQUIRE_FALSE(failures.empty());
  return failures;
}

}  // namespace

TEST_CASE("rpc::DecodeRemoteFailure decodes every golden failure") {
  for (const std::string& json : GoldenFailures()) {
    CAPTURE(json);
    rapidjson::Document expected;
    expected.Parse(json.c_str());
    auto failure = rpc::DecodeRemoteFailure(json);
    REQUIRE_MESSAGE(failure.ok(), failure.error().ToString());
    CHECK(failure->class_name == String(expected["class"]));
    CHECK(failure->module == "oslo_messaging.rpc.dispatcher");
    CHECK(failure->message == String(expected["message"]));
    REQUIRE(failure->traceback.size() == expected["tb"].Size());
    for (rapidjson::SizeType i = 0; i < expected["tb"].Size(); ++i) {
      CHECK(failure->traceback[i] == String(expected["tb"][i]));
    }
    CHECK(failure->kwargs_json == "{}");
    rapidjson::Document args;
    args.Parse(failure->args_json.c_str());
    CHECK(args == expected["args"]);
    // Python's own last traceback line says the same as Summary().
    std::string last = failure->traceback.back();
    last.pop_back();
    CHECK(failure->Summary() == last);
    CHECK(failure->ToStatus().code() == base::Code::kRemoteError);
    CHECK(failure->ToStatus().message() == failure->Summary());
  }
}

TEST_CASE("rpc::EncodeRemoteFailure re-encodes every golden failure byte for byte") {
  for (const std::string& json : GoldenFailures()) {
    auto failure = rpc::DecodeRemoteFailure(json);
    REQUIRE(failure.ok());
    auto encoded = rpc::EncodeRemoteFailure(*failure);
    REQUIRE(encoded.ok());
    CHECK(*encoded == json);
  }
}

TEST_CASE("rpc::RemoteFailure::Summary") {
  rpc::RemoteFailure failure;
  failure.class_name = "UnsupportedVersion";
  failure.module = "oslo_messaging.rpc.dispatcher";
  failure.message = "Endpoint does not support RPC version 6.3. Attempted method: remove_volume_connection";
  CHECK(failure.Summary() ==
        "oslo_messaging.rpc.dispatcher.UnsupportedVersion: Endpoint does not support RPC version 6.3. "
        "Attempted method: remove_volume_connection");
  SUBCASE("builtins are not qualified") {
    failure.class_name = "TypeError";
    failure.module = "builtins";
    failure.message = "remove_volume_connection() got an unexpected keyword argument 'delete_attachment'";
    CHECK(failure.Summary() ==
          "TypeError: remove_volume_connection() got an unexpected keyword argument 'delete_attachment'");
  }
  SUBCASE("one line whatever the message holds") {
    failure.message = "first\nsecond\r\n\tthird\n";
    CHECK(failure.Summary() == "oslo_messaging.rpc.dispatcher.UnsupportedVersion: first second   third");
  }
  SUBCASE("no message, no class") {
    failure.message.clear();
    CHECK(failure.Summary() == "oslo_messaging.rpc.dispatcher.UnsupportedVersion");
    failure.class_name.clear();
    CHECK(failure.Summary() == "remote exception of unknown class");
  }
}

TEST_CASE("rpc::DecodeRemoteFailure is as lenient as oslo's client") {
  SUBCASE("missing and null fields take their defaults") {
    auto failure = rpc::DecodeRemoteFailure(R"({"class": "X", "module": null, "tb": null, "extra": 1})");
    REQUIRE(failure.ok());
    CHECK(failure->class_name == "X");
    CHECK(failure->module.empty());
    CHECK(failure->message.empty());
    CHECK(failure->traceback.empty());
    CHECK(failure->args_json == "[]");
    CHECK(failure->kwargs_json == "{}");
  }
  SUBCASE("Nova's kwargs come back in Python's format") {
    auto failure = rpc::DecodeRemoteFailure(
        R"({"class":"VolumeNotFound","module":"nova.exception","message":"m","tb":[],"args":[],"kwargs":{"volume_id":"v","code":404}})");
    REQUIRE(failure.ok());
    CHECK(failure->kwargs_json == R"({"volume_id": "v", "code": 404})");
  }
}

TEST_CASE("rpc::DecodeRemoteFailure refuses malformed failures") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "remote failure is not JSON: The document is empty (offset 0)"},
      {"Traceback (most recent call last)", "remote failure is not JSON: Invalid value (offset 0)"},
      {R"(["UnsupportedVersion"])", "remote failure is not a JSON object"},
      {R"({"class": 5})", "remote failure: 'class' is not a string: 5"},
      {R"({"module": []})", "remote failure: 'module' is not a string: []"},
      {R"({"message": {"a": 1}})", "remote failure: 'message' is not a string: {\"a\": 1}"},
      {R"({"tb": "line"})", "remote failure: 'tb' is not an array of strings: \"line\""},
      {R"({"tb": ["line\n", 3]})", "remote failure: 'tb' is not an array of strings: [\"line\\n\", 3]"},
      {R"({"args": "abc"})", "remote failure: 'args' is not an array: \"abc\""},
      {R"({"kwargs": [1]})", "remote failure: 'kwargs' is not an object: [1]"},
  };
  for (const auto& [json, message] : cases) {
    CAPTURE(json);
    auto failure = rpc::DecodeRemoteFailure(json);
    REQUIRE_FALSE(failure.ok());
    CHECK(failure.error().code() == base::Code::kCorrupt);
    CHECK(failure.error().message() == message);
  }
}

TEST_CASE("rpc::EncodeRemoteFailure") {
  rpc::RemoteFailure failure;
  failure.class_name = "VolumeNotFound_Remote";
  failure.module = "nova.exception_Remote";
  failure.message = "Volume v could not be found.";
  failure.traceback = {"Traceback (most recent call last):\n"};
  failure.kwargs_json = R"({"volume_id":"v","code":404})";
  SUBCASE("strips _Remote when both class and module carry it") {
    CHECK(*rpc::EncodeRemoteFailure(failure) ==
          R"({"class": "VolumeNotFound", "module": "nova.exception", "message": "Volume v could not be found.", )"
          R"("tb": ["Traceback (most recent call last):\n"], "args": [], "kwargs": {"volume_id": "v", "code": 404}})");
  }
  SUBCASE("keeps it when only one does") {
    failure.module = "nova.exception";
    CHECK(rpc::EncodeRemoteFailure(failure)->rfind(R"({"class": "VolumeNotFound_Remote", "module": "nova.exception", )", 0) ==
          0);
  }
  SUBCASE("refusals") {
    failure.args_json = "{}";
    CHECK(rpc::EncodeRemoteFailure(failure).error().message() == "remote failure: args_json is not a JSON array");
    failure.args_json = "[";
    CHECK(rpc::EncodeRemoteFailure(failure).error().code() == base::Code::kInvalidInput);
    failure.args_json = "[]";
    failure.kwargs_json = "[]";
    CHECK(rpc::EncodeRemoteFailure(failure).error().message() == "remote failure: kwargs_json is not a JSON object");
    failure.kwargs_json = "{}";
    failure.traceback.push_back("\xff");
    CHECK(rpc::EncodeRemoteFailure(failure).error().message() == "remote failure: 'tb' is not UTF-8");
  }
}

// Unit tests of rpc/envelope: Wrap writes what oslo.messaging writes, and
// Unwrap takes a body apart as deserialize_msg does, by the fast path for
// bodies in Python's format and by the general one for any other.
#include "rpc/envelope.h"

#include <map>
#include <string>

#include <doctest/doctest.h>

#include "rpc/python_json.h"
#include "rpc/rpc_codec.h"

TEST_CASE("rpc::Wrap") {
  // json.dumps({"oslo.version": "2.0", "oslo.message": message})
  CHECK(*rpc::Wrap(R"({"method": "x", "s": "caf\u00e9"})") ==
        R"({"oslo.version": "2.0", "oslo.message": "{\"method\": \"x\", \"s\": \"caf\\u00e9\"}"})");
  CHECK(*rpc::Wrap("") == R"({"oslo.version": "2.0", "oslo.message": ""})");
  auto unwrapped = rpc::Unwrap(*rpc::Wrap("any text \x01 \xc3\xa9"));
  REQUIRE(unwrapped.ok());
  CHECK(unwrapped->message_json == "any text \x01 \xc3\xa9");
  CHECK(rpc::Wrap("\xff").error().code() == base::Code::kInvalidInput);
}

TEST_CASE("rpc::Unwrap") {
  SUBCASE("a 2.0 envelope gives the inner text") {
    auto unwrapped = rpc::Unwrap(R"({"oslo.version": "2.0", "oslo.message": "{\"method\": \"x\"}"})");
    REQUIRE(unwrapped.ok());
    CHECK(unwrapped->form == rpc::EnvelopeForm::kV2);
    CHECK(unwrapped->message_json == R"({"method": "x"})");
  }
  SUBCASE("an object without both keys is a legacy 1.0 message") {
    const std::string body = R"({"oslo.version": "2.0", "method": "ping", "args": {}, "_unique_id": "u"})";
    auto unwrapped = rpc::Unwrap(body);
    REQUIRE(unwrapped.ok());
    CHECK(unwrapped->form == rpc::EnvelopeForm::kLegacyV1);
    CHECK(unwrapped->message_json == body);
    auto request = rpc::DecodeRequest(body);
    REQUIRE(request.ok());
    CHECK(request->method == "ping");
    CHECK(request->unique_id == "u");
    CHECK_FALSE(request->msg_id.has_value());
  }
  SUBCASE("oslo.version follows version_is_compatible(\"2.0\", v)") {
    const std::map<std::string, bool> versions = {
        {"2.0", true},    {"2.0.0", true},  {"2.0.0.9", true}, {"2.-1", true}, {"+2.0", true},
        {"2.1", false},   {"2.0.1", false}, {"3.0", false},    {"1.0", false}, {"1.9", false},
        {"2", false},     {"", false},      {"2.x", false},    {"two.0", false}, {"2.0.x", false},
    };
    for (const auto& [version, compatible] : versions) {
      CAPTURE(version);
      auto unwrapped = rpc::Unwrap(R"({"oslo.version": ")" + version + R"(", "oslo.message": "{}"})");
      CHECK(unwrapped.ok() == compatible);
      if (!compatible) CHECK(unwrapped.error().message().find("is not compatible with 2.0") != std::string::npos);
    }
  }
}

TEST_CASE("rpc::Unwrap takes the same message by either path") {
  const std::string message = R"({"method": "m", "args": {"s": "caf\u00e9"}})";
  const std::string python = R"({"oslo.version": "2.0", "oslo.message": )" + *rpc::PythonJsonString(message) + "}";
  const std::string spaced = R"({"oslo.version":"2.0","oslo.message":)" + *rpc::PythonJsonString(message) + "}";
  auto fast = rpc::Unwrap(python);
  auto slow = rpc::Unwrap(spaced);
  REQUIRE(fast.ok());
  REQUIRE(slow.ok());
  CHECK(fast->form == rpc::EnvelopeForm::kV2);
  CHECK(fast->message_json == message);
  CHECK(slow->message_json == message);
  auto trailing_space = rpc::Unwrap(R"({"oslo.version": "2.0", "oslo.message": ""} )");
  REQUIRE(trailing_space.ok());
  CHECK(trailing_space->message_json.empty());
  SUBCASE("a body that only looks like Python's is still refused") {
    for (const std::string& body : {std::string(R"({"oslo.version": "2.0", "oslo.message": "abc\"})"),
                                   std::string(R"({"oslo.version": "2.0", "oslo.message": "a"b"})"),
                                   std::string(R"({"oslo.version": "2.0", "oslo.message": ""}})"),
                                   std::string(R"({"oslo.version": "2.0", "oslo.message": "x", "oslo.message": 1})")}) {
      CAPTURE(body);
      auto unwrapped = rpc::Unwrap(body);
      REQUIRE_FALSE(unwrapped.ok());
      CHECK(unwrapped.error().code() == base::Code::kCorrupt);
    }
  }
}

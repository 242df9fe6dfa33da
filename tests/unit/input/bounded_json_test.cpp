// Tests of agent/input/bounded_json: depth, size, NUL, BOM, encoding and
// duplicate keys, each with the outcome stated per input.
#include "agent/input/bounded_json.h"

#include <string>

#include <doctest/doctest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using agent::input::DuplicateKeys;
using agent::input::JsonLimits;
using agent::input::ParseBoundedJson;

namespace {

std::string Nested(int depth, std::string_view inner = "1") {
  return std::string(static_cast<std::size_t>(depth), '[') + std::string(inner) +
         std::string(static_cast<std::size_t>(depth), ']');
}

std::string Compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

// The message of a refused text; "" when it parses.
std::string Refusal(std::string_view text, JsonLimits limits) {
  auto doc = ParseBoundedJson(text, limits);
  if (doc.ok()) return "";
  CHECK(doc.error().code() == base::Code::kInvalidInput);
  return doc.error().message();
}

}  // namespace

TEST_CASE("agent::input::ParseBoundedJson: nesting") {
  const JsonLimits limits{1 << 20};
  SUBCASE("64 levels parse and write back") {
    auto doc = ParseBoundedJson(Nested(64), limits);
    REQUIRE(doc.ok());
    CHECK(Compact(*doc) == Nested(64));
  }
  SUBCASE("65 levels are refused where the 65th opens") {
    CHECK(Refusal(Nested(65), limits) == "nested deeper than 64 levels at offset 64");
    CHECK(Refusal(std::string(64, '[') + "{\"a\": 1}" + std::string(64, ']'), limits) ==
          "nested deeper than 64 levels at offset 64");
  }
  SUBCASE("200,000 '[' do not reach the stack (the reader is iterative, the limit stops it)") {
    CHECK(Refusal(std::string(200000, '['), limits) == "nested deeper than 64 levels at offset 64");
    std::string objects;
    for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
    CHECK(Refusal(objects, limits) == "nested deeper than 64 levels at offset 320");
  }
  SUBCASE("the limit is the caller's") {
    CHECK(Refusal(Nested(3), {1 << 20, 2}) == "nested deeper than 2 levels at offset 2");
    CHECK(Refusal(Nested(2), {1 << 20, 2}).empty());
  }
}

TEST_CASE("agent::input::ParseBoundedJson: size, NUL, BOM, encoding, syntax") {
  SUBCASE("the size limit counts bytes, exactly") {
    CHECK(Refusal("[1, 2]", {6}).empty());
    CHECK(Refusal("[1, 2] ", {6}) == "larger than 6 bytes");
  }
  SUBCASE("a NUL byte anywhere is refused (RapidJSON alone would stop there and accept)") {
    CHECK(Refusal(std::string("{\"host\":\"a\"}\0{\"host\":\"b\"}", 25), {1 << 20}) == "NUL byte at offset 12");
    CHECK(Refusal(std::string("{\"a\0\":1}", 8), {1 << 20}) == "NUL byte at offset 3");
  }
  SUBCASE("a UTF-8 byte order mark is refused (Python's json refuses it; RapidJSON would skip it)") {
    CHECK(Refusal("\xef\xbb\xbf{}", {1 << 20}) == "UTF-8 byte order mark at offset 0");
  }
  SUBCASE("invalid UTF-8 in a string is refused") {
    CHECK(Refusal("{\"a\": \"\xff\"}", {1 << 20}) == "Invalid encoding in string at offset 7");
  }
  SUBCASE("syntax errors give RapidJSON's reason and the offset") {
    CHECK(Refusal("", {1 << 20}) == "The document is empty at offset 0");
    CHECK(Refusal("{\"a\": 1} x", {1 << 20}) == "The document root must not be followed by other values at offset 9");
    CHECK(Refusal("{\"a\": \"\x01\"}", {1 << 20}) == "Invalid escape character in string at offset 7");
  }
  SUBCASE("numbers keep full precision") {
    auto doc = ParseBoundedJson("[0.1, 1e308, 18446744073709551615, -9223372036854775808]", {1 << 20});
    REQUIRE(doc.ok());
    CHECK((*doc)[0].GetDouble() == 0.1);
    CHECK((*doc)[2].GetUint64() == 18446744073709551615ULL);
  }
}

TEST_CASE("agent::input::ParseBoundedJson: duplicate keys") {
  const JsonLimits refuse{1 << 20, 64, DuplicateKeys::kRefuse};
  SUBCASE("refused at the top, in nested objects and inside arrays, naming where") {
    CHECK(Refusal(R"({"host":"compute1","host":"other"})", refuse) ==
          "key \"host\" appears twice in the top-level object");
    CHECK(Refusal(R"({"host":"c","data":{"a":1,"b":{"x":1,"x":2}}})", refuse) ==
          "key \"x\" appears twice in the object at /data/b");
    CHECK(Refusal(R"({"wwpns":[{"p":1},{"p":1,"p":2}]})", refuse) ==
          "key \"p\" appears twice in the object at /wwpns/1");
    CHECK(Refusal(R"({"a/b":{"~":{"k":1,"k":1}}})", refuse) == "key \"k\" appears twice in the object at /a~1b/~0");
  }
  SUBCASE("keys are compared whole (escapes decoded, NUL inside included) and printed escaped") {
    CHECK(Refusal(R"({"a":1,"\u0061":2})", refuse) == "key \"a\" appears twice in the top-level object");
    CHECK(Refusal(R"({"a\u0000b":1,"a\u0000c":2})", refuse).empty());
    CHECK(Refusal(R"({"\u001b]0;x\u0007":1,"\u001b]0;x\u0007":2})", refuse) ==
          "key \"\\x1b]0;x\\x07\" appears twice in the top-level object");
  }
  SUBCASE("equal keys in different objects are fine") {
    CHECK(Refusal(R"({"host":"a","data":{"host":"b"},"list":[{"host":1},{"host":2}]})", refuse).empty());
  }
  SUBCASE("allowed unless asked") {
    auto doc = ParseBoundedJson(R"({"host":"compute1","host":"other"})", {1 << 20});
    REQUIRE(doc.ok());
    CHECK(doc->MemberCount() == 2);
  }
}

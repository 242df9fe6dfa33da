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
  SUBCASE("a lone surrogate escape is refused: RapidJSON would decode it to bytes that are not UTF-8 (found by "
          "tests/fuzz/connector_fuzz)") {
    CHECK(Refusal(R"({"host": "d83d\ude00"})", {1 << 20}) ==
          "a \\u escape that is a lone UTF-16 surrogate, before offset 21");
    CHECK(Refusal(R"({"\udfff": 1})", {1 << 20}) == "a \\u escape that is a lone UTF-16 surrogate, before offset 9");
    CHECK(Refusal(R"(["\ud83d"])", {1 << 20}) == "The surrogate pair in string is invalid at offset 2");
    auto pair = ParseBoundedJson(R"(["\ud83d\ude00", "\u00e9"])", {1 << 20});  // a pair is one code point
    REQUIRE(pair.ok());
    CHECK(std::string((*pair)[0].GetString()) == "\xf0\x9f\x98\x80");
  }
  SUBCASE("syntax errors give RapidJSON's reason and the offset") {
    CHECK(Refusal("", {1 << 20}) == "The document is empty at offset 0");
    CHECK(Refusal("{\"a\": 1} x", {1 << 20}) == "The document root must not be followed by other values at offset 9");
    CHECK(Refusal("{\"a\": \"\x01\"}", {1 << 20}) == "Invalid escape character in string at offset 7");
  }
  SUBCASE("numbers keep full precision and their type; they write back as read") {
    const std::string text =
        "[0.1,1e308,18446744073709551615,-9223372036854775808,0.30000000000000004,-0.0,-0,5,-5,"
        "18446744073709551616,4.9e-324]";
    auto doc = ParseBoundedJson(text, {1 << 20});
    REQUIRE(doc.ok());
    CHECK((*doc)[0].GetDouble() == 0.1);
    CHECK((*doc)[2].GetUint64() == 18446744073709551615ULL);
    CHECK((*doc)[3].GetInt64() == INT64_MIN);
    CHECK((*doc)[4].GetDouble() == 0.30000000000000004);
    CHECK((*doc)[7].IsInt());
    CHECK((*doc)[8].GetInt() == -5);
    CHECK((*doc)[9].IsDouble());  // past uint64, as RapidJSON itself types it
    CHECK(Compact(*doc) ==
          "[0.1,1e308,18446744073709551615,-9223372036854775808,0.30000000000000007,-0.0,0,5,-5,"
          "18446744073709553000.0,5e-324]");  // RapidJSON's Grisu2 writer: not always shortest, reads back the same
  }
  SUBCASE("a long mantissa with a large negative exponent is 0, not a read out of bounds (found by "
          "tests/fuzz/journal_fuzz: RapidJSON 1.1's full-precision path indexes its table with it)") {
    auto doc = ParseBoundedJson("[3.333333333333333323333e-333, -1e-400, 0.0000000000000000000001e-310]", {1 << 20});
    REQUIRE(doc.ok());
    CHECK(Compact(*doc) == "[0.0,-0.0,0.0]");
  }
  SUBCASE("a number beyond a double is refused") {
    CHECK(Refusal("[1.7976931348623159e308]", {1 << 20}) == "a number larger than a double at offset 1");
    CHECK(Refusal("[" + std::string(400, '9') + "]", {1 << 20}).starts_with("Number too big to be stored in double"));
    CHECK(Refusal("[1e400]", {1 << 20}) == "Number too big to be stored in double at offset 1");
  }
  SUBCASE("EF, BB or BF alone at the start is refused (RapidJSON's UTF-8 memory stream would skip each)") {
    CHECK(Refusal("\xbf{}", {1 << 20}) == "Invalid value at offset 0");
    CHECK(Refusal("\xef\xbb{}", {1 << 20}) == "Invalid value at offset 0");
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

// Unit tests of agent/trace/ascii_json: each writer's text equals what it
// stands for, RapidJSON's Writer (or PrettyWriter, each line indented) and
// AsciiJson over its text, for strings of every kind of byte, numbers, empty
// and nested containers, and NaN and infinities as Python writes them.
#include "agent/trace/ascii_json.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "agent/rapidjson_strings.h"
#include "agent/terminal_text.h"

namespace {

using agent::trace::AppendAsciiJson;
using agent::trace::AppendAsciiPrettyJson;
using agent::trace::JsonOutput;

// What the one-pass writers replace: RapidJSON's writers, then AsciiJson.
std::string TwoPassCompact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  agent::PythonJsonWriter<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return agent::AsciiJson(std::string_view(buffer.GetString(), buffer.GetSize()));
}

std::string TwoPassPretty(const rapidjson::Value& value, std::string_view indent) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);  // no NaN: RapidJSON 1.1's PrettyWriter drops writeFlags
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  std::string text;
  for (const char c : std::string_view(buffer.GetString(), buffer.GetSize())) {
    text += c;
    if (c == '\n') text += indent;
  }
  return agent::AsciiJson(text);
}

void CheckBoth(const rapidjson::Value& value) {
  JsonOutput compact;
  AppendAsciiJson(value, compact);
  CHECK(std::string(compact.text()) == TwoPassCompact(value));
  JsonOutput pretty;
  AppendAsciiPrettyJson(value, "  ", pretty);
  CHECK(std::string(pretty.text()) == TwoPassPretty(value, "  "));
}

rapidjson::Document Parsed(const std::string& json) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseNanAndInfFlag | rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  REQUIRE_FALSE(document.HasParseError());
  return document;
}

TEST_CASE("AppendAsciiJson: the text of RapidJSON's writers, then AsciiJson") {
  const std::vector<std::string> documents = {
      R"({})",
      R"([])",
      R"({"a":{},"b":[],"c":[{}],"d":[[]]})",
      R"({"n":null,"t":true,"f":false,"s":"","k":"v"})",
      R"([0,-0,1,-1,2147483647,2147483648,-2147483649,4294967296,9223372036854775807,18446744073709551615])",
      R"([-9223372036854775808,0.5,-0.0,1e300,1e-7,2.5e-310,3.141592653589793,123456789.125,1e21])",
      R"(["quote\" backslash\\ slash\/ \b\f\n\r\t \u0000 \u0001 \u001f \u007f"])",
      R"(["\u00e9 \u4e2d \ud83d\ude00 \u0080\u009f \ud7ff \ue000 \uffff \u2028"])",
      R"({"exactly8":"12345678","sixteen.bytes.ok":"1234567890abcdef","seventeen bytes..":"1234567890abcdefg"})",
      R"({"long":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"bbbbbbbbbbbbbbbbbbbbbbb\\c"})",
      R"({"tail":"aaaaaaaaaaaaa\n","head":"\naaaaaaaaaaaaa","mid":"aaaaaaa\taaaaaaaa","é key":1})",
      R"({"deep":[[[{"a":[1,{"b":{"c":[]}}]}]]],"after":"x"})",
  };
  for (const std::string& json : documents) {
    CAPTURE(json);
    CheckBoth(Parsed(json));
  }
}

TEST_CASE("AppendAsciiJson: bytes that are not UTF-8 become \\ufffd, as AsciiJson makes them") {
  rapidjson::Document document(rapidjson::kObjectType);
  auto& allocator = document.GetAllocator();
  for (const std::string& bytes : {std::string("\xff\xfe ok"), std::string("a\xc3"), std::string("\xed\xa0\x80 surrogate"),
                                  std::string("\xf4\x90\x80\x80 too high"), std::string("\xc0\xaf overlong"),
                                  std::string("nul\0inside", 10), std::string("plain ascii, then \xe2\x82")}) {
    rapidjson::Value key(bytes.data(), agent::JsonLength(bytes), allocator);
    rapidjson::Value value(bytes.data(), agent::JsonLength(bytes), allocator);
    document.AddMember(key, value, allocator);
  }
  CheckBoth(document);
}

TEST_CASE("AppendAsciiJson: NaN and infinities as Python's json module writes them, the document whole") {
  for (const char* json : {R"({"a":1,"b":NaN,"c":2})", R"([1,[Infinity]])", R"({"x":[-Infinity,1]})"}) {
    CAPTURE(json);
    const rapidjson::Document document = Parsed(json);
    JsonOutput compact;
    AppendAsciiJson(document, compact);
    CHECK(std::string(compact.text()) == json);
    CHECK(std::string(compact.text()) == TwoPassCompact(document));
    JsonOutput pretty;
    AppendAsciiPrettyJson(document, "  ", pretty);
    JsonOutput again;
    AppendAsciiJson(Parsed(std::string(pretty.text())), again);
    CHECK(std::string(again.text()) == json);
  }
}

TEST_CASE("AppendAsciiPrettyJson: the caller's indent after each newline") {
  const rapidjson::Document document = Parsed(R"({"a":[1,{"b":"c"}],"d":{}})");
  JsonOutput out;
  AppendAsciiPrettyJson(document, ">>", out);
  CHECK(std::string(out.text()) == "{\n>>  \"a\": [\n>>    1,\n>>    {\n>>      \"b\": \"c\"\n>>    }\n>>  ],\n>>  \"d\": {}\n>>}");
  CHECK(std::string(out.text()) == TwoPassPretty(document, ">>"));
}

TEST_CASE("JsonOutput: grows, keeps what it held, and clears") {
  JsonOutput out;
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    const std::string piece = "piece " + std::to_string(i) + ";";
    out.Append(piece);
    expected += piece;
  }
  CHECK(std::string(out.text()) == expected);
  out.clear();
  CHECK(out.text().empty());
}

}  // namespace

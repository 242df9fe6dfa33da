#include "agent/json_depth.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace {

constexpr unsigned kFlags = rapidjson::kParseNanAndInfFlag | rapidjson::kParseFullPrecisionFlag;

// What ParseJsonWithin promises: the nesting check, then RapidJSON's own parse.
agent::JsonParse CheckThenParse(const std::string& text, std::size_t limit) {
  if (!agent::JsonNestingWithin(text, limit)) return agent::JsonParse::kTooDeep;
  rapidjson::Document document;
  document.Parse<kFlags>(text.data(), text.size());
  return document.HasParseError() ? agent::JsonParse::kInvalid : agent::JsonParse::kParsed;
}

// The texts both parsers are checked on.
std::vector<std::string> Texts() {
  const std::string deep = std::string(6, '[') + std::string(6, ']');
  std::vector<std::string> texts = {
      R"({"a":[1,{"b":"[[[[[[[["}],"c":1.5e300})", deep, std::string(5, '[') + std::string(5, ']'),
      "{\"a\": x " + deep,                               // a syntax error before the deep part
      std::string("{}\0", 3) + deep,                     // a NUL ends the text for the parser
      std::string("{\"a\":\"\0\"}", 9), "[1] [2]", "", "  ", "{\"a\":\"\\\"[[[[[[\"}", "]]]]{}", "[[[[[[x",
      " \t\r\n{ \"a\" :\r\n\t[ 1 ,\t2 , { } ] ,\"b\":\"c\" } \n", "{\"a\":1}\x0b", "\x0c[1]", "[1,\n\n\n  2]   "};
  // Strings with escapes (which make the in-place parse write behind where it
  // reads), raw controls and bytes beyond ASCII at every offset around the
  // eight- or sixteen-byte steps of ParseJsonInsituWithin's scan.
  for (const std::string escape : {"\\n", "\\\"", "\\\\", "\\u00e9", "\\ud83d\\ude00", "\xc3\xa9", "\x01", "\x7f"}) {
    for (std::size_t before = 0; before < 34; ++before) {
      for (std::size_t after : {0, 1, 7, 8, 9, 15, 16, 17, 31, 33}) {
        const std::string text = std::string(before, 'a') + escape + std::string(after, 'b');
        texts.push_back("{\"" + text + "\":\"" + text + escape + text + "\",\"k\":[\"" + text + "\"]}");
      }
    }
  }
  return texts;
}

}  // namespace

TEST_CASE("agent::ParseJsonWithin answers as JsonNestingWithin then Parse") {
  const std::string deep = std::string(6, '[') + std::string(6, ']');
  for (const std::string& text : Texts()) {
    CAPTURE(text);
    rapidjson::Document document;
    const agent::JsonParse got = agent::ParseJsonWithin<kFlags>(document, text, 5);
    CHECK(static_cast<int>(got) == static_cast<int>(CheckThenParse(text, 5)));
    if (got == agent::JsonParse::kParsed) {
      rapidjson::Document expected;
      expected.Parse<kFlags>(text.data(), text.size());
      CHECK(document == expected);
    }
  }
  rapidjson::Document document;
  CHECK(agent::ParseJsonWithin<kFlags>(document, deep, 6) == agent::JsonParse::kParsed);
  CHECK(agent::ParseJsonWithin<kFlags>(document, deep, 5) == agent::JsonParse::kTooDeep);
}

TEST_CASE("agent::ParseJsonInsituWithin gives ParseJsonWithin's answer and document") {
  const std::string deep = std::string(6, '[') + std::string(6, ']');
  for (const std::string& text : Texts()) {
    CAPTURE(text);
    rapidjson::Document copied;
    const agent::JsonParse expected = agent::ParseJsonWithin<kFlags>(copied, text, 5);
    rapidjson::Document in_place;
    const agent::JsonParse got = agent::ParseJsonInsituWithin<kFlags>(in_place, text, 5);
    CHECK(static_cast<int>(got) == static_cast<int>(expected));
    if (got == agent::JsonParse::kParsed) CHECK(in_place == copied);
  }
  rapidjson::Document document;
  CHECK(agent::ParseJsonInsituWithin<kFlags>(document, deep, 6) == agent::JsonParse::kParsed);
  CHECK(agent::ParseJsonInsituWithin<kFlags>(document, deep, 5) == agent::JsonParse::kTooDeep);
}

TEST_CASE("agent::ParseJsonInsituWithin: the strings live in the document's allocator, not in the text") {
  rapidjson::MemoryPoolAllocator<> allocator;
  rapidjson::Value kept;
  {
    std::string text = R"({"key":"a value with an \"escape\" inside, longer than sixteen bytes"})";
    rapidjson::Document document(&allocator);
    REQUIRE(agent::ParseJsonInsituWithin<kFlags>(document, text, 5) == agent::JsonParse::kParsed);
    kept = std::move(document["key"]);  // the allocator outlives the document
    text.assign(text.size(), 'x');      // and the text is not read again
  }
  CHECK(std::string(kept.GetString(), kept.GetStringLength()) == "a value with an \"escape\" inside, longer than sixteen bytes");
}

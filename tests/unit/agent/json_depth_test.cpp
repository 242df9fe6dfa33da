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

}  // namespace

TEST_CASE("agent::ParseJsonWithin answers as JsonNestingWithin then Parse") {
  const std::string deep = std::string(6, '[') + std::string(6, ']');
  const std::vector<std::string> texts = {
      R"({"a":[1,{"b":"[[[[[[[["}],"c":1.5e300})", deep, std::string(5, '[') + std::string(5, ']'),
      "{\"a\": x " + deep,                               // a syntax error before the deep part
      std::string("{}\0", 3) + deep,                     // a NUL ends the text for the parser
      std::string("{\"a\":\"\0\"}", 9), "[1] [2]", "", "  ", "{\"a\":\"\\\"[[[[[[\"}", "]]]]{}", "[[[[[[x"};
  for (const std::string& text : texts) {
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

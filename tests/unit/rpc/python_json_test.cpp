// Unit tests of rpc/python_json: what json.dumps(json.loads(text)) gives and
// what is refused, the object writer, and the fast paths: reading text that
// is already in Python's format without a tree (ScanPythonJson), or trusted
// (SplitTrusted*), checked against the general tree-based path, which the
// expected values pin to Python. String literals: python_json_string_test.
#include "rpc/python_json.h"

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "rpc/python_json_internal.h"

namespace {

using rpc::JsonKind;

bool SamePart(const rpc::JsonPart& a, const rpc::JsonPart& b) {
  return a.kind == b.kind && a.json == b.json && a.string_value == b.string_value;
}

}  // namespace

TEST_CASE("rpc::ToPythonJson fast path agrees with the tree on near-Python texts") {
  // Each input with what both paths must give: json.dumps(json.loads(input))
  // as Python 3 writes it, or refused (nullopt) where Python raises, or where
  // rpc/python_json.h refuses what Python takes (marked "we refuse").
  struct Case {
    std::string input;
    std::optional<std::string> expected;
  };
  const auto same = [](const std::string& text) { return Case{text, text}; };
  const std::optional<std::string> refused;
  const std::string deep_ok = std::string(512, '[') + std::string(512, ']');
  const std::string deep_bad = std::string(513, '[') + std::string(513, ']');
  const std::vector<Case> cases = {
      // In Python's format (the fast path takes them).
      same(R"({"a": 1, "b": [true, false, null], "c": {"d": "e"}})"),
      same(R"("caf\u00e9 \ud83d\ude00 \u007f \u0001 \" \\ \n")"),
      same(R"([1.5, -0.0, 1e+16, 1e-05, 0.0001, 123456789012345678])"),
      same("[]"), same("{}"), same(R"({"": ""})"), same(deep_ok),
      {R"({"k": "v", "K": "v", "k2": {"k": 1, "k": 2}})", R"({"k": "v", "K": "v", "k2": {"k": 2}})"},
      // Not in Python's format, or outside the fast path's limits.
      {R"({"a":1})", R"({"a": 1})"}, {R"({"a" : 1})", R"({"a": 1})"}, {R"( {"a": 1})", R"({"a": 1})"},
      {R"({"a": 1} )", R"({"a": 1})"}, {R"(["\u0041"])", R"(["A"])"}, {R"(["\u00E9"])", R"(["\u00e9"])"},
      {R"(["\/"])", R"(["/"])"}, same(R"(["\u0000"])"), same(R"(["\udc00"])"),
      {R"(["\ud800"])", refused},        // we refuse; Python: ["\ud800"]
      {R"(["\ud800\u0041"])", refused},  // we refuse; Python: ["\ud800A"]
      {R"(["\u000a"])", R"(["\n"])"}, {"[-0]", "[0]"}, {"[01]", refused}, same("[1234567890123456789]"),
      {"[1e16]", "[1e+16]"}, {"[1.50]", "[1.5]"}, {"[1.5e300]", "[1.5e+300]"}, same("[NaN]"), same("[Infinity]"),
      same("[-Infinity]"), {R"({"a": 1, "a": 2})", R"({"a": 2})"},
      {R"({"x": {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "a": 0}})",
       R"({"x": {"a": 0, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9}})"},
      {"\"caf\xc3\xa9\"", R"("caf\u00e9")"}, {"[\"\x7f\"]", R"(["\u007f"])"}, {"[\"\x01\"]", refused},
      {deep_bad, refused},  // we refuse; Python takes 513 levels
      {"", refused}, {"[", refused}, {"[1, ]", refused}, {"[1,2]", "[1, 2]"}, {"[1,  2]", "[1, 2]"},
      {"tru", refused}, {"nul", refused}, {"\"unterminated", refused}, {R"("bad \q escape")", refused},
      {R"(["a", "b"] [])", refused},
      same(R"({"k\u00e9y": "\u0000 and \udc00", "q\"": "a\"b\\c\n", "s": "\ud83d\ude00", "n": {"x": ["}"]}})"),
      same(R"({"long": "0123456789abcdef0123456789abcdef\"0123456789abcdef0123456789abcdef", "e": ""})"),
  };
  for (const auto& [input, expected] : cases) {
    CAPTURE(input);
    auto fast = rpc::ToPythonJson(input);
    auto tree = rpc::python_json_internal::ToPythonJsonByTree(input);
    REQUIRE(fast.ok() == tree.ok());
    REQUIRE(fast.ok() == expected.has_value());
    if (!expected) {
      CHECK(fast.error().code() == base::Code::kInvalidInput);
      CHECK(fast.error().message() == tree.error().message());
      continue;
    }
    CHECK(fast->json == *expected);
    CHECK(SamePart(*fast, *tree));
    if (rpc::python_json_internal::ScanPythonJson(input, nullptr)) CHECK(fast->json == input);
    if (fast->kind == JsonKind::kObject) {
      auto split = rpc::SplitJsonObject(input);
      auto trusted = rpc::SplitTrustedJsonObject(fast->json);
      REQUIRE(split.ok());
      REQUIRE(trusted.ok());
      REQUIRE(split->size() == trusted->size());
      for (std::size_t i = 0; i < split->size(); ++i) {
        CHECK((*split)[i].key == (*trusted)[i].key);
        CHECK(SamePart((*split)[i].value, (*trusted)[i].value));
      }
      auto views = rpc::SplitTrustedJsonObjectViews(fast->json);
      REQUIRE(views.ok());
      REQUIRE(views->size() == split->size());
      for (std::size_t i = 0; i < split->size(); ++i) {
        const rpc::JsonMember& member = (*split)[i];
        const rpc::JsonMemberView& view = (*views)[i];
        CHECK(view.Key() == member.key);
        CHECK(view.KeyIs(member.key));
        CHECK_FALSE(view.KeyIs(member.key + "x"));
        CHECK(view.kind == member.value.kind);
        CHECK(view.json == member.value.json);
        if (view.kind == JsonKind::kString) CHECK(view.StringValue() == member.value.string_value);
      }
    }
    if (fast->kind == JsonKind::kArray) {
      auto items = rpc::SplitJsonArray(input);
      auto again = rpc::SplitJsonArray(fast->json);
      REQUIRE(items.ok());
      REQUIRE(again.ok());
      REQUIRE(items->size() == again->size());
      for (std::size_t i = 0; i < items->size(); ++i) CHECK(SamePart((*items)[i], (*again)[i]));
    }
  }
}

TEST_CASE("rpc::python_json_internal::ScanPythonJson") {
  using rpc::python_json_internal::ScanPythonJson;
  std::vector<rpc::JsonMemberView> items;
  SUBCASE("gives the top level as views") {
    const std::string text = R"({"a\"b": "x\ny", "n": [1, {"m": null}], "t": true})";
    const std::optional<JsonKind> kind = ScanPythonJson(text, &items);
    REQUIRE(kind);
    CHECK(kind == JsonKind::kObject);
    REQUIRE(items.size() == 3);
    CHECK(items[0].key_literal == R"(a\"b)");
    CHECK(items[0].key_escaped);
    CHECK(items[0].json == R"("x\ny")");
    CHECK(items[0].value_escaped);
    CHECK(items[1].kind == JsonKind::kArray);
    CHECK(items[1].json == R"([1, {"m": null}])");
    CHECK(items[2].kind == JsonKind::kBool);
  }
  SUBCASE("a long ASCII run followed by bytes Python would escape") {
    const std::string run(100, 'a');
    CHECK(ScanPythonJson("\"" + run + "\"", nullptr));
    CHECK_FALSE(ScanPythonJson("\"" + run + "\xc3\xa9\"", nullptr));
    CHECK_FALSE(ScanPythonJson("\"" + run + "\xff\"", nullptr));
    CHECK_FALSE(ScanPythonJson("\"" + run + "\t\"", nullptr));
    CHECK_FALSE(ScanPythonJson("\"" + run, nullptr));
  }
}

namespace {

// A random JSON value: nested objects and arrays, strings full of brackets,
// quotes, backslashes and escapes, and long enough runs to cross the
// 64-byte blocks the splitter skips containers by. Separators vary, so the
// text is usually not in Python's format.
std::string RandomJson(std::mt19937_64& rng, int depth) {
  constexpr std::string_view kPieces[] = {"{", "}", "[", "]", "\\\"", "\\\\", "\\n", "x", "\\u00e9", ", ",
                                          "abcdefghijklmnopqrstuvwxyz0123456789"};
  const auto string = [&] {
    std::string s = "\"";
    for (std::size_t i = rng() % 12; i > 0; --i) s += kPieces[rng() % std::size(kPieces)];
    return s + "\"";
  };
  const std::size_t pick = depth > 4 ? rng() % 3 : rng() % 5;
  if (pick == 0) return string();
  if (pick == 1) return std::to_string(static_cast<int>(rng() % 2000) - 1000);
  if (pick == 2) return rng() % 2 == 0 ? "null" : "true";
  const bool object = pick == 3;
  std::string out = object ? "{" : "[";
  const std::size_t n = rng() % 6;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += rng() % 2 == 0 ? "," : " , ";
    if (object) out += "\"k" + std::to_string(i) + "\":";
    out += RandomJson(rng, depth + 1);
  }
  return out + (object ? "}" : "]");
}

}  // namespace

TEST_CASE("rpc::SplitTrustedJsonObjectViews and SplitJsonObjectViews agree with SplitJsonObject") {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 3000; ++round) {
    std::string json = "{";
    const std::size_t n = 1 + rng() % 5;
    for (std::size_t i = 0; i < n; ++i) json += (i > 0 ? ",\"m" : "\"m") + std::to_string(i) + "\":" + RandomJson(rng, 0);
    json += "}";
    CAPTURE(json);
    const auto expected = rpc::SplitJsonObject(json);
    REQUIRE(expected.ok());
    const auto python = rpc::ToPythonJson(json);
    REQUIRE(python.ok());
    const auto views = rpc::SplitTrustedJsonObjectViews(python->json);
    REQUIRE(views.ok());
    std::string storage;
    const auto checked = rpc::SplitJsonObjectViews(json, storage);
    REQUIRE(checked.ok());
    REQUIRE(views->size() == expected->size());
    REQUIRE(checked->size() == expected->size());
    for (std::size_t i = 0; i < expected->size(); ++i) {
      for (const rpc::JsonMemberView* view : {&(*views)[i], &(*checked)[i]}) {
        CHECK(view->Key() == (*expected)[i].key);
        CHECK(view->kind == (*expected)[i].value.kind);
        CHECK(view->json == (*expected)[i].value.json);
        if (view->kind == JsonKind::kString) CHECK(view->StringValue() == (*expected)[i].value.string_value);
      }
    }
  }
  std::string storage;
  CHECK_FALSE(rpc::SplitJsonObjectViews("[1]", storage).ok());
  CHECK_FALSE(rpc::SplitJsonObjectViews("{\"a\": ", storage).ok());
}

TEST_CASE("rpc::SplitTrustedJsonObject and SplitTrustedJsonObjectViews refuse alike what lacks the shape") {
  // One failure rule (rpc/python_json.h): a trusted split never falls back
  // to checking, even for JSON it could read.
  for (const std::string input : {R"({"a":1})", R"({"a" : 1})", R"( {"a": 1})", R"({"a": 1)", "[1, 2]", R"("x")", ""}) {
    CAPTURE(input);
    auto copies = rpc::SplitTrustedJsonObject(input);
    auto views = rpc::SplitTrustedJsonObjectViews(input);
    REQUIRE_FALSE(copies.ok());
    REQUIRE_FALSE(views.ok());
    CHECK(copies.error().code() == base::Code::kInvalidInput);
    CHECK(copies.error().message() == "not a JSON object in Python's format");
    CHECK(views.error().message() == copies.error().message());
  }
}

TEST_CASE("rpc::ToPythonJson matches json.dumps(json.loads(text))") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1.0", "1.0"}, {"1", "1"}, {"-0", "0"}, {"-0.0", "-0.0"}, {"1e16", "1e+16"}, {"1E16", "1e+16"},
      {"1e15", "1000000000000000.0"}, {"0.0001", "0.0001"}, {"0.00001", "1e-05"}, {"1.5e300", "1.5e+300"},
      {"123456789012345678901234567890", "123456789012345678901234567890"},
      {"-123456789012345678901234567890.5", "-1.2345678901234568e+29"}, {"2.5e-7", "2.5e-07"},
      {"5e-324", "5e-324"}, {"2e-324", "0.0"}, {"-2e-324", "-0.0"}, {"9.9e308", "Infinity"},
      {"-9.9e308", "-Infinity"}, {"1e308", "1e+308"}, {"NaN", "NaN"}, {"Infinity", "Infinity"},
      {"-Infinity", "-Infinity"}, {"0.1e1", "1.0"}, {"100.25", "100.25"},
      {"3.14159265358979323846", "3.141592653589793"}, {"12345678901234567.0", "1.2345678901234568e+16"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"}, {"0.000001e-330", "0.0"},
      {"1e0000000000000000000002", "100.0"}, {"0.30000000000000004", "0.30000000000000004"},
      {R"("\u00e9\ud83d\ude00\u007f\u0001\n\t\/\"\\")", R"("\u00e9\ud83d\ude00\u007f\u0001\n\t/\"\\")"},
      {"\"caf\xc3\xa9\"", R"("caf\u00e9")"}, {R"("\udc00")", R"("\udc00")"}, {R"("\u0000")", R"("\u0000")"},
      {R"({"a":1,"b":2,"a":3})", R"({"a": 3, "b": 2})"},
      {R"({"z":[1,{"y":null,"x":true}],"a":false})", R"({"z": [1, {"y": null, "x": true}], "a": false})"},
      {"[]", "[]"}, {"{}", "{}"}, {"  [1 , 2 ]  ", "[1, 2]"},
  };
  for (const auto& [input, expected] : cases) {
    CAPTURE(input);
    auto part = rpc::ToPythonJson(input);
    REQUIRE_MESSAGE(part.ok(), part.error().ToString());
    CHECK(part->json == expected);
  }
  CHECK(rpc::ToPythonJson(R"("x")")->kind == JsonKind::kString);
  CHECK(rpc::ToPythonJson("7")->kind == JsonKind::kNumber);
}

TEST_CASE("rpc::ToPythonJson refuses what is not JSON") {
  for (const std::string input : {"", "{", "[1,]", "{'a': 1}", "{\"a\" 1}", "\"\xc3\"", "tru", "01", R"("\ud800")"}) {
    CAPTURE(input);
    auto part = rpc::ToPythonJson(input);
    REQUIRE_FALSE(part.ok());
    CHECK(part.error().code() == base::Code::kInvalidInput);
    CHECK(part.error().message().rfind("not JSON: ", 0) == 0);
  }
  CHECK(rpc::ToPythonJson(std::string(512, '[') + std::string(512, ']')).ok());
  CHECK(rpc::ToPythonJson(std::string(513, '[') + std::string(513, ']')).error().message() ==
        "not JSON: nested deeper than 512 levels");
  CHECK(rpc::SplitJsonObject("[]").error().message() == "not a JSON object");
  CHECK(rpc::SplitJsonArray("{}").error().message() == "not a JSON array");
}

TEST_CASE("rpc::PythonJsonObjectWriter") {
  rpc::PythonJsonObjectWriter writer;
  writer.String("s", "\xe2\x82\xac").OptionalString("o", std::nullopt).StringArray("a", {"x", "y"});
  writer.Bool("b", false).Null("n").TrustedJson("r", "[1, 2]");
  CHECK(*std::move(writer).Finish() == R"({"s": "\u20ac", "o": null, "a": ["x", "y"], "b": false, "n": null, "r": [1, 2]})");
  rpc::PythonJsonObjectWriter bad;
  bad.String("fine", "x").StringArray("list", {"ok", "\xff"}).String("later", "\xfe");
  CHECK(std::move(bad).Finish().error().message() == "'list' is not UTF-8");
  CHECK(*rpc::PythonJsonObjectWriter().Finish() == "{}");
  CHECK(rpc::PythonJsonString("\xed\xa0").error().code() == base::Code::kInvalidInput);
}

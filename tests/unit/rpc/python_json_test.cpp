// Unit tests of rpc/python_json: what json.dumps(json.loads(text)) gives and
// what is refused, the object writer, and the fast paths: escaping by runs
// of plain ASCII (AppendPythonJsonString), and reading text that is
// already in Python's format without a tree (ScanPythonJson), or trusted
// (SplitTrustedJsonObject).
// Each fast path is checked against a simple reference or against the
// general tree-based path, which the expected values pin to Python.
#include "rpc/python_json.h"

#include <cstdint>
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

// json.dumps(text) one code point at a time: the reference for
// AppendPythonJsonString.
std::optional<std::string> ReferenceQuoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto unit = [](std::string& out, std::uint32_t u) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(u >> shift) & 0xF];
  };
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t n = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || s.size() - i < n) return std::nullopt;
    std::uint32_t cp = n == 1 ? lead : n == 2 ? (lead & 0x1Fu) : n == 3 ? (lead & 0x0Fu) : (lead & 0x07u);
    for (std::size_t k = 1; k < n; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (next & 0x3Fu);
    }
    const std::uint32_t min = n == 1 ? 0 : n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF) return std::nullopt;
    i += n;
    if (cp == '"') out += "\\\"";
    else if (cp == '\\') out += "\\\\";
    else if (cp == '\n') out += "\\n";
    else if (cp == '\r') out += "\\r";
    else if (cp == '\t') out += "\\t";
    else if (cp == '\b') out += "\\b";
    else if (cp == '\f') out += "\\f";
    else if (cp >= 0x20 && cp < 0x7F) out += static_cast<char>(cp);
    else if (cp < 0x10000) unit(out, cp);
    else unit(out, 0xD800 | ((cp - 0x10000) >> 10)), unit(out, 0xDC00 | ((cp - 0x10000) & 0x3FF));
  }
  return out + "\"";
}

bool SamePart(const rpc::JsonPart& a, const rpc::JsonPart& b) {
  return a.kind == b.kind && a.json == b.json && a.string_value == b.string_value;
}

}  // namespace

TEST_CASE("rpc::python_json_internal::PlainAsciiRun stops at the first byte Python escapes") {
  const auto reference = [](const std::string& s) {
    std::size_t n = 0;
    while (n < s.size() && static_cast<unsigned char>(s[n]) >= 0x20 && static_cast<unsigned char>(s[n]) < 0x7F &&
           s[n] != '"' && s[n] != '\\') {
      ++n;
    }
    return n;
  };
  const std::vector<unsigned char> bytes = {0x00, 0x01, 0x1F, 0x20, 0x21, '"', 0x23, '\\', 0x5B, 0x5D,
                                            0x7E, 0x7F, 0x80, 0xA2, 0xDC, 0xFF};
  for (std::size_t length = 0; length <= 40; ++length) {
    for (std::size_t at = 0; at <= length; ++at) {
      for (const unsigned char byte : bytes) {
        std::string text(length, 'a');
        if (at < length) text[at] = static_cast<char>(byte);
        if (length > at + 3) text[at + 3] = '\x01';  // a second special byte after the first
        CAPTURE(length);
        CAPTURE(at);
        CAPTURE(static_cast<int>(byte));
        REQUIRE(rpc::python_json_internal::PlainAsciiRun(text.data(), text.data() + text.size()) == reference(text));
      }
    }
  }
}

TEST_CASE("rpc::AppendPythonJsonString escapes runs of plain ASCII and what lies between them") {
  const std::string run16(16, 'a');
  const std::string run300(300, 'b');
  const std::vector<std::string> inputs = {
      "", "x", "plain ascii only", run16, run300, run300 + run300,
      "\"", "\\", "a\"b\\c\nd\re\tf\bg\fh", std::string("nul\0byte", 8), "\x7f", "\x01\x1f",
      run16 + "\"" + run16, run300 + "\n" + run300, run16 + "\xc3\xa9", run300 + "\xe2\x82\xac" + run16,
      "\xf0\x9f\x98\x80" + run300, std::string(250, 'c') + std::string(40, '"'), std::string(200, '\x01'),
      std::string(100, 'd') + "\xed\xa0\x80",  // an encoded surrogate is accepted, as Python's surrogatepass writes it
  };
  for (const std::string& input : inputs) {
    CAPTURE(input);
    std::string out = "prefix";
    REQUIRE(rpc::AppendPythonJsonString(input, out));
    const auto expected = ReferenceQuoted(input);
    REQUIRE(expected.has_value());
    CHECK(out == "prefix" + *expected);
  }
  SUBCASE("invalid UTF-8, also after a long ASCII run, is refused") {
    const std::vector<std::string> bad = {"\xff", run16 + "\xc3", run300 + "\x80", run300 + "\xc3\x28",
                                          std::string(40, 'e') + "\xe2\x82", "\xf8\x88\x80\x80\x80", run16 + "\xc0\x80"};
    for (const std::string& input : bad) {
      CAPTURE(input);
      std::string out;
      CHECK_FALSE(rpc::AppendPythonJsonString(input, out));
      CHECK_FALSE(rpc::PythonJsonString(input).ok());
    }
  }
}

TEST_CASE("rpc::ToPythonJson fast path agrees with the tree on near-Python texts") {
  const std::string deep_ok = std::string(512, '[') + std::string(512, ']');
  const std::string deep_bad = std::string(513, '[') + std::string(513, ']');
  const std::vector<std::string> inputs = {
      // In Python's format (the fast path takes them).
      R"({"a": 1, "b": [true, false, null], "c": {"d": "e"}})", R"("caf\u00e9 \ud83d\ude00 \u007f \u0001 \" \\ \n")",
      R"([1.5, -0.0, 1e+16, 1e-05, 0.0001, 123456789012345678])", "[]", "{}", R"({"": ""})", deep_ok,
      R"({"k": "v", "K": "v", "k2": {"k": 1, "k": 2}})",
      // Not in Python's format, or outside the fast path's limits.
      R"({"a":1})", R"({"a" : 1})", R"( {"a": 1})", R"({"a": 1} )", R"(["\u0041"])", R"(["\u00E9"])", R"(["\/"])",
      R"(["\u0000"])", R"(["\udc00"])", R"(["\ud800"])", R"(["\ud800\u0041"])", R"(["\u000a"])", "[-0]", "[01]",
      "[1234567890123456789]", "[1e16]", "[1.50]", "[1.5e300]", "[NaN]", "[Infinity]", "[-Infinity]",
      R"({"a": 1, "a": 2})", R"({"x": {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "a": 0}})",
      "\"caf\xc3\xa9\"", "[\"\x7f\"]", "[\"\x01\"]", deep_bad, "", "[", "[1, ]", "[1,2]", "[1,  2]", "tru", "nul",
      "\"unterminated", R"("bad \q escape")", R"(["a", "b"] [])",
      R"({"k\u00e9y": "\u0000 and \udc00", "q\"": "a\"b\\c\n", "s": "\ud83d\ude00", "n": {"x": ["}"]}})",
      R"({"long": "0123456789abcdef0123456789abcdef\"0123456789abcdef0123456789abcdef", "e": ""})",
  };
  for (const std::string& input : inputs) {
    CAPTURE(input);
    auto fast = rpc::ToPythonJson(input);
    auto tree = rpc::python_json_internal::ToPythonJsonByTree(input);
    REQUIRE(fast.ok() == tree.ok());
    if (!fast.ok()) {
      CHECK(fast.error().message() == tree.error().message());
      continue;
    }
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

TEST_CASE("rpc::python_json_internal::AppendUnescapedLiteral") {
  std::string out = "x";
  CHECK(rpc::python_json_internal::AppendUnescapedLiteral(R"(a\"b\\c\n\u00e9\ud83d\ude00)", out));
  CHECK(out == "xa\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80");
  for (const std::string_view bad : {R"(a"b)", R"(a\)", R"(\u0041)", R"(\uD800)", R"(\ud800)", R"(\/)", "\xc3\xa9"}) {
    CAPTURE(bad);
    std::string kept = "y";
    CHECK_FALSE(rpc::python_json_internal::AppendUnescapedLiteral(bad, kept));
    CHECK(kept == "y");
  }
}

TEST_CASE("rpc::AppendPythonJsonString and AppendUnescapedLiteral handle dense quotes and backslashes block by block") {
  // JSON text inside a JSON string: quotes and backslashes at every offset of
  // a 16-byte block, including escapes that straddle two blocks, and other
  // escapes mixed in, which leave the block path.
  std::mt19937_64 rng(7);
  constexpr std::string_view kAlphabet[] = {"a", "\"", "\\", "b", "\"", "c", "\n", "\xc3\xa9", "\\\"", "d"};
  for (int round = 0; round < 3000; ++round) {
    std::string input;
    const std::size_t pieces = rng() % 90;
    const std::size_t kinds = round % 2 == 0 ? 6 : std::size(kAlphabet);  // even rounds: quotes and backslashes only
    for (std::size_t i = 0; i < pieces; ++i) input += kAlphabet[rng() % kinds];
    CAPTURE(input);
    std::string quoted = "p";
    REQUIRE(rpc::AppendPythonJsonString(input, quoted));
    const auto expected = ReferenceQuoted(input);
    REQUIRE(expected.has_value());
    REQUIRE(quoted == "p" + *expected);
    std::string decoded = "q";
    REQUIRE(rpc::python_json_internal::AppendUnescapedLiteral(std::string_view(quoted).substr(2, quoted.size() - 3),
                                                              decoded));
    REQUIRE(decoded == "q" + input);
    // A bare quote or a lone trailing backslash anywhere is refused.
    std::string literal = quoted.substr(2, quoted.size() - 3);
    if (!literal.empty()) {
      const std::size_t at = rng() % literal.size();
      std::string kept = "k";
      const bool escaped_before = at > 0 && literal[at - 1] == '\\';
      std::string bare = literal.substr(0, at) + "\"" + literal.substr(at);
      if (!escaped_before) {
        bool odd = false;  // the quote must not be taken as escaped by a run of backslashes
        for (std::size_t i = at; i > 0 && literal[i - 1] == '\\'; --i) odd = !odd;
        if (!odd) {
          CHECK_FALSE(rpc::python_json_internal::AppendUnescapedLiteral(bare, kept));
          CHECK(kept == "k");
        }
      }
    }
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

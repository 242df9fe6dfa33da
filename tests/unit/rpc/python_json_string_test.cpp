// Unit tests of the string literals of rpc/python_json
// (python_json_string.cpp): escaping as json.dumps does, by runs of plain
// ASCII and by 16-byte blocks (AppendPythonJsonString), and unescaping a
// literal as Python writes it (AppendUnescapedLiteral). Each is checked
// against a simple reference.
#include "rpc/python_json.h"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "rpc/python_json_internal.h"

namespace {

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

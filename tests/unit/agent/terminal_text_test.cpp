// Tests of agent/terminal_text.h and of the places that print through it:
// nothing bdm-agent prints may carry a control character to the terminal.
#include "agent/terminal_text.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "agent/log.h"

using agent::AsciiJson;
using agent::EscapeControls;

namespace {

// What `write` put into a temporary FILE*.
template <typename Write>
std::string Captured(Write write) {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  write(file);
  std::fflush(file);
  std::rewind(file);
  std::string text;
  for (int c = std::fgetc(file); c != EOF; c = std::fgetc(file)) text += static_cast<char>(c);
  std::fclose(file);
  return text;
}

}  // namespace

TEST_CASE("agent::EscapeControls") {
  struct Row {
    std::string in, out;
  };
  const Row rows[] = {
      {"plain /dev/vdb", "plain /dev/vdb"},
      {"x\x1b]0;PWNED\x07", "x\\x1b]0;PWNED\\x07"},                  // OSC title change
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"cr\rlf\ntab\t", "cr\\x0dlf\\x0atab\\x09"},
      {"del\x7f", "del\\x7f"},
      {"csi\xc2\x9b" "31m", "csi\\u009b31m"},                        // C1 CSI, as UTF-8
      {"nel\xc2\x85", "nel\\u0085"},
      {"bad\xff\xc3", "bad\\xff\\xc3"},                               // not UTF-8
      {"overlong\xc0\x9b", "overlong\\xc0\\x9b"},
      {"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\xa0"},
      {"C:\\path\\to", "C:\\path\\to"},                               // a lone '\' stays
      {"lit\\x1b", "lit\\\\x1b"},                                     // ... unless it would read as an escape
      {"lit\\u009b \\\\", "lit\\\\u009b \\\\\\"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.in);
    CHECK(EscapeControls(row.in) == row.out);
  }
}

TEST_CASE("agent::AsciiJson") {
  struct Row {
    std::string in, out;
  };
  const Row rows[] = {
      {R"({"a":"b"})", R"({"a":"b"})"},
      {"{\"a\":\"\xc3\xa9\xc2\x9b\x7f\"}", R"({"a":"\u00e9\u009b\u007f"})"},          // as json.dumps writes it
      {"{\"a\":\"\xf0\x9f\x98\x80\"}", R"({"a":"\ud83d\ude00"})"},                   // a surrogate pair
      {"{\"a\":\"\xff\"}", R"({"a":"\ufffd"})"},                                      // not UTF-8
      {"{\"a\":\"\\\"\\u001b\\\\\"}", "{\"a\":\"\\\"\\u001b\\\\\"}"},                  // escapes kept
      {"{\"a\":\"raw\x1b\"}", R"({"a":"raw\u001b"})"},                                // raw control in a string
      {"{\t\"a\" :\r\n 1}", "{ \"a\" : \n 1}"},                                       // whitespace between tokens
      {"{\"a\":\"\\\x1b\"}", R"({"a":"\\\u001b"})"},                                  // '\' before a control
  };
  for (const Row& row : rows) {
    CAPTURE(row.in);
    CHECK(AsciiJson(row.in) == row.out);
  }
}

TEST_CASE("agent::PrintEscaped escapes the values, not the format") {
  const std::string text = Captured([](std::FILE* f) {
    agent::PrintEscaped(f, "instance %s: %s (%d)\n  next\n", std::string("a\x1b[2J"), "b\nc", 7);
  });
  CHECK(text == "instance a\\x1b[2J: b\\x0ac (7)\n  next\n");
}

TEST_CASE("agent::Log lines are inert on a terminal") {
  const std::string text = Captured([](std::FILE* f) {
    agent::Log(agent::DebugLogging::kNo, f).Error("No BDM x\x1b]0;PWNED\x07\xc2\x9b\xff with\nnewline");
  });
  CHECK(text == "bdm-agent: error: No BDM x\\x1b]0;PWNED\\x07\\u009b\\xff with newline\n");
}

TEST_CASE("agent::AsciiJsonKeepsAsIs says exactly when AsciiJson changes nothing") {
  const std::vector<std::string> cases = {
      R"({"a":"b\"c\\d","e":[1,2.5,null]})", "", "{\"a\":\"\\", "{\"a\":\"\\\"}", "\"\x7f\"", "\"\xc3\xa9\"",
      "{\"a\":\t1}", "\"a\nb\"", "\"\xff\"", "\"\\\x01\"", "~ !"};
  for (const std::string& json : cases) {
    // Also inside longer text, so that the eight-bytes-at-a-time path sees each byte at each position.
    for (std::size_t pad = 0; pad < 9; ++pad) {
      const std::string text = std::string(pad, 'x') + json + std::string(9, '"');
      for (const std::string& variant : {json, text}) {
        CAPTURE(variant);
        CHECK(agent::AsciiJsonKeepsAsIs(variant) == (agent::AsciiJson(variant) == variant));
      }
    }
  }
  CHECK_FALSE(agent::AsciiJsonKeepsAsIs("{\"a\":\"\\"));  // a backslash at the end: AsciiJson doubles it
  CHECK(agent::AsciiJsonKeepsAsIs(R"({"a":"\u00e9"})"));
}

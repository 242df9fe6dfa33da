#include "agent/log.h"

#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>

#include <doctest/doctest.h>

namespace {

// What `write` logs, read back from a temporary file.
template <typename F>
std::string Logged(agent::DebugLogging debug, agent::LogStyle style, F write) {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  write(agent::Log(debug, file, style));
  std::rewind(file);
  std::string text;
  for (int c; (c = std::fgetc(file)) != EOF;) text += static_cast<char>(c);
  std::fclose(file);
  return text;
}

}  // namespace

TEST_CASE("agent::Log command style") {
  const std::string text = Logged(agent::DebugLogging::kNo, agent::LogStyle::kCommand, [](const agent::Log& log) {
    log.Error("e");
    log.Warning("w\nx");
    log.Info("not for commands");
    log.Debug("not without --debug");
  });
  CHECK(text == "bdm-agent: error: e\nbdm-agent: warning: w x\n");
  const std::string debug = Logged(agent::DebugLogging::kYes, agent::LogStyle::kCommand,
                                   [](const agent::Log& log) { log.Debug("d"); });
  CHECK(std::regex_match(debug, std::regex(R"(bdm-agent: debug: \+[0-9.]+ ms: d\n)")));
}

TEST_CASE("agent::Log service style: oslo.log's line format") {
  const std::string text = Logged(agent::DebugLogging::kYes, agent::LogStyle::kService, [](const agent::Log& log) {
    log.Info("started");
    log.ForRequest("bdm_agent.serve", "req-1", "u p - - -").Warning("refused\x1b[2J");
    log.Debug("d");
  });
  const std::string pid = std::to_string(::getpid());
  const std::string stamp = R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} )";
  CHECK_MESSAGE(std::regex_match(text, std::regex(stamp + pid + R"( INFO bdm_agent \[-\] started\n)" + stamp + pid +
                                                  R"( WARNING bdm_agent.serve \[req-1 u p - - -\] refused\\x1b\[2J\n)" +
                                                  stamp + pid + R"( DEBUG bdm_agent \[-\] d\n)")),
                text);
}

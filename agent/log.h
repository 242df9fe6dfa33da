// Log: where bdm-agent's diagnostics go, one line per message, never a
// secret (callers never pass one; URLs are logged through their Redacted()
// form), control characters escaped (terminal_text.h). Two styles:
//
// * kCommand (the one-shot commands), on stderr: "bdm-agent: error: ",
//   "bdm-agent: warning: ", and under --debug "bdm-agent: debug: +<ms> ms: "
//   (time since the Log was made); stdout is left to command output.
// * kService (`bdm-agent serve`), on stderr or a log file, in oslo.log's
//   line format so that the service's lines sit among Nova's:
//   "<YYYY-MM-DD HH:MM:SS.mmm> <pid> <LEVEL> <module> [<request_id> <user>
//   <project> <domain> <user_domain> <project_domain>] <message>", or
//   "[-]" without a request; INFO lines too, DEBUG under --debug.
//
// A Log is a small value: ForRequest() gives a copy that names the module
// and the request it logs for, writing to the same place. Thread safety:
// each line is written with one fwrite (stdio locks the stream), so several
// threads may log at once through copies of one Log.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace agent {

enum class DebugLogging { kNo, kYes };
enum class LogStyle { kCommand, kService };

class Log {
 public:
  explicit Log(DebugLogging debug = DebugLogging::kNo, std::FILE* out = stderr, LogStyle style = LogStyle::kCommand);

  // kService: a copy that logs as `module` ("bdm_agent.serve") for the request
  // whose context is `request_id` and `user_identity` (oslo's "<user>
  // <project> <domain> <user_domain> <project_domain>", '-' for each unset).
  Log ForRequest(std::string module, std::string request_id, std::string user_identity) const;

  void Error(std::string_view message) const;
  void Warning(std::string_view message) const;
  void Info(std::string_view message) const;  // kService only; a command prints results instead
  void Debug(std::string_view message) const;
  bool debug_enabled() const { return debug_ == DebugLogging::kYes; }

 private:
  void Write(std::string_view level, std::string_view message) const;

  DebugLogging debug_;
  std::FILE* out_;
  LogStyle style_;
  std::string module_ = "bdm_agent";
  std::string context_ = "-";  // what goes between the brackets
  std::chrono::steady_clock::time_point start_;
};

}  // namespace agent

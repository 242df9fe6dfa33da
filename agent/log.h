// Log: where bdm-agent's diagnostics go. Everything goes to stderr, one line
// per message, with the fixed prefixes "bdm-agent: error: ", "bdm-agent:
// warning: " and, under --debug, "bdm-agent: debug: +<ms> ms: " (time since the
// Log was made). stdout is left to command output so it can be piped.
// Whatever the message holds, the line is inert on a terminal: a newline in
// it becomes a space and every other control character or byte that is not
// UTF-8 an escape (EscapeControls, terminal_text.h).
//
// A Log is created by main and passed by reference; it holds no secrets and
// callers never pass it one (URLs are logged through their Redacted() form).
// Thread safety: each call writes one whole line under a mutex.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string_view>

namespace agent {

enum class DebugLogging { kNo, kYes };

class Log {
 public:
  explicit Log(DebugLogging debug = DebugLogging::kNo, std::FILE* out = stderr);

  void Error(std::string_view message) const;
  void Warning(std::string_view message) const;
  void Debug(std::string_view message) const;
  bool debug_enabled() const { return debug_ == DebugLogging::kYes; }

 private:
  void Write(std::string_view prefix, std::string_view message) const;

  DebugLogging debug_;
  std::FILE* out_;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
};

}  // namespace agent

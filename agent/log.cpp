#include "agent/log.h"

#include <string>

#include "agent/terminal_text.h"

namespace agent {

Log::Log(DebugLogging debug, std::FILE* out)
    : debug_(debug), out_(out), start_(std::chrono::steady_clock::now()) {}

void Log::Error(std::string_view message) const { Write("error: ", message); }

void Log::Warning(std::string_view message) const { Write("warning: ", message); }

void Log::Debug(std::string_view message) const {
  if (!debug_enabled()) return;
  const auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_);
  char stamp[48];
  std::snprintf(stamp, sizeof stamp, "debug: +%.1f ms: ", elapsed.count());
  Write(stamp, message);
}

void Log::Write(std::string_view prefix, std::string_view message) const {
  std::string line = "bdm-agent: ";
  line += prefix;
  // One line per message: an embedded newline becomes a space, every other
  // control character an escape (terminal_text.h).
  std::string folded(message);
  for (char& c : folded) c = c == '\n' ? ' ' : c;
  line += EscapeControls(folded);
  line += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace agent

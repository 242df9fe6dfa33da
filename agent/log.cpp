#include "agent/log.h"

#include <unistd.h>

#include <ctime>
#include <string>

#include "agent/terminal_text.h"

namespace agent {
namespace {

// "2026-12-03 10:54:56.518", local time as oslo.log writes it.
std::string OsloTimestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  std::snprintf(text + n, sizeof text - n, ".%03d", static_cast<int>(millis));
  return text;
}

}  // namespace

Log::Log(DebugLogging debug, std::FILE* out, LogStyle style)
    : debug_(debug), out_(out), style_(style), start_(std::chrono::steady_clock::now()) {}

Log Log::ForRequest(std::string module, std::string request_id, std::string user_identity) const {
  Log copy = *this;
  copy.module_ = std::move(module);
  copy.context_ = request_id.empty() ? "-" : request_id + " " + user_identity;
  return copy;
}

void Log::Error(std::string_view message) const { Write("ERROR", message); }

void Log::Warning(std::string_view message) const { Write("WARNING", message); }

void Log::Info(std::string_view message) const {
  if (style_ == LogStyle::kService) Write("INFO", message);
}

void Log::Debug(std::string_view message) const {
  if (debug_enabled()) Write("DEBUG", message);
}

void Log::Write(std::string_view level, std::string_view message) const {
  std::string line;
  if (style_ == LogStyle::kService) {
    line = OsloTimestamp() + " " + std::to_string(::getpid()) + " " + std::string(level) + " " + module_ + " [" +
           context_ + "] ";
  } else if (level == "DEBUG") {
    const auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_);
    char stamp[48];
    std::snprintf(stamp, sizeof stamp, "bdm-agent: debug: +%.1f ms: ", elapsed.count());
    line = stamp;
  } else {
    line = level == "ERROR" ? "bdm-agent: error: " : "bdm-agent: warning: ";
  }
  // One line per message: an embedded newline becomes a space, every other
  // control character an escape (terminal_text.h).
  std::string folded(message);
  for (char& c : folded) c = c == '\n' ? ' ' : c;
  line += EscapeControls(folded);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), out_);  // one call: stdio locks the stream
  std::fflush(out_);
}

}  // namespace agent

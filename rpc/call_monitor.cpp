#include "rpc/call_monitor.h"

#include <cmath>

namespace rpc {

std::optional<std::chrono::milliseconds> CallMonitorInterval(std::optional<double> timeout) {
  if (!timeout || !std::isfinite(*timeout) || *timeout == 0) return std::nullopt;  // "if incoming.client_timeout"
  // int() truncates toward zero; the interval is that over 2, as a float.
  const double whole = std::trunc(*timeout);
  if (whole / 2 < 1 || whole > 1e9) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(whole * 500));
}

void CallMonitorSchedule::Add(std::uint64_t id, std::chrono::milliseconds interval, Clock::time_point start) {
  calls_[id] = Watched{interval, start + interval};
}

void CallMonitorSchedule::Remove(std::uint64_t id) { calls_.erase(id); }

std::vector<std::uint64_t> CallMonitorSchedule::TakeDue(Clock::time_point now) {
  std::vector<std::uint64_t> due;
  for (auto& [id, watched] : calls_) {
    if (watched.due > now) continue;
    due.push_back(id);
    watched.due += watched.interval;
    if (watched.due <= now) watched.due = now + watched.interval;
  }
  return due;
}

std::optional<CallMonitorSchedule::Clock::time_point> CallMonitorSchedule::NextDue() const {
  std::optional<Clock::time_point> next;
  for (const auto& [id, watched] : calls_) {
    if (!next || watched.due < *next) next = watched.due;
  }
  return next;
}

}  // namespace rpc

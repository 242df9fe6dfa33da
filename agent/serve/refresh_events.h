// RefreshEvents: what `serve` tells the outside world about each refresh it
// runs, call or cast: it started, it ended, it failed. The production sink
// sends oslo.messaging notifications (bdm_agent.refresh.start / .end /
// .error) when [oslo_messaging_notifications] driver says so; NoRefreshEvents
// drops them. Implementations are called from several worker threads at
// once and must be thread-safe; a sink never fails a refresh (it logs).
#pragma once

#include <optional>
#include <string>

namespace agent::serve {

struct RefreshEvent {
  std::string request_id;                  // the caller's context
  std::string context_json;                // the caller's context as sent (Python format)
  std::optional<std::string> instance_uuid, volume_id, bdm_uuid;
  std::optional<std::string> old_attachment_id, new_attachment_id;
  std::string timings_json = "{}";         // .end: {"wall_ms": ..., ...}
  std::string outcome = "refreshed";       // .end: "refreshed" or "already-refreshed"
  bool taken_over = false;                 // .end: another agent's refresh was finished
  std::string error_class, error_message;  // .error only
};

class RefreshEvents {
 public:
  virtual ~RefreshEvents() = default;
  virtual void Start(const RefreshEvent& event) = 0;
  virtual void End(const RefreshEvent& event) = 0;
  virtual void Error(const RefreshEvent& event) = 0;
};

class NoRefreshEvents final : public RefreshEvents {
 public:
  void Start(const RefreshEvent&) override {}
  void End(const RefreshEvent&) override {}
  void Error(const RefreshEvent&) override {}
};

}  // namespace agent::serve

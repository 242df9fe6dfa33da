// OsloRefreshEvents: the RefreshEvents sink that tells the outside world
// about each refresh with oslo.messaging notifications (rpc/notifier.h), as
// a Python service's Notifier(publisher_id="bdm-agent.<host>") would:
//
//   event_type               priority  payload
//   bdm_agent.refresh.start  INFO      instance_uuid, volume_id, bdm_uuid
//   bdm_agent.refresh.end    INFO      the above, old_attachment_id,
//                                      new_attachment_id, timings
//   bdm_agent.refresh.error  ERROR     the .end fields, error_class,
//                                      error_message
// (an unknown identifier is null; timings is the object serve measured,
// e.g. {"wall_ms": ..., "database_ms": ...}). The caller's context goes in
// the message as oslo puts a notification's context (_context_<key>, safe
// keys only: never auth_token).
//
// Thread safety: Start/End/Error may be called from several worker threads
// at once; one notification is sent at a time on the sink's one connection.
// Each call returns within the configured timeout
// ([bdm_agent] notification_timeout), waiting for the connection included:
// a notification that cannot go out by then is dropped. A failure never
// reaches the refresh: it is logged in one line (no secret: the broker's
// address and user at most).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "agent/config/nova_config.h"
#include "agent/log.h"
#include "agent/serve/refresh_events.h"
#include "base/result.h"
#include "rpc/notifier.h"

namespace agent::serve {

enum class RefreshPhase { kStart, kEnd, kError };

// The notification for `event` in `phase` (context from event.context_json).
// kInvalidInput when an identifier or error text is not UTF-8 or
// timings_json is not JSON.
base::Result<rpc::Notification> RefreshNotification(const RefreshEvent& event, RefreshPhase phase,
                                                    std::string_view publisher_id);

class OsloRefreshEvents final : public RefreshEvents {
 public:
  // Sends through `notifier`; each call waits at most `timeout`. `log` is
  // copied.
  OsloRefreshEvents(rpc::Notifier notifier, std::chrono::milliseconds timeout, std::string publisher_id,
                    const Log& log);
  ~OsloRefreshEvents() override;  // closes the connection (handshake)

  void Start(const RefreshEvent& event) override { Send(event, RefreshPhase::kStart); }
  void End(const RefreshEvent& event) override { Send(event, RefreshPhase::kEnd); }
  void Error(const RefreshEvent& event) override { Send(event, RefreshPhase::kError); }

 private:
  void Send(const RefreshEvent& event, RefreshPhase phase);

  std::timed_mutex mutex_;  // guards notifier_
  rpc::Notifier notifier_;
  const std::chrono::milliseconds timeout_;
  const std::string publisher_id_;
  const Log log_;
};

// The sink `serve` uses on `host`: OsloRefreshEvents when
// [oslo_messaging_notifications] driver asks for messagingv2 or messaging,
// else NoRefreshEvents. Logs one INFO line saying which, and a WARNING
// naming drivers bdm-agent does not send (log, routing, ...). Errors as
// config::NotificationOptionsFromConfig.
base::Result<std::unique_ptr<RefreshEvents>> MakeRefreshEvents(const config::NovaConfig& nova,
                                                              std::string_view host, const Log& log);

}  // namespace agent::serve

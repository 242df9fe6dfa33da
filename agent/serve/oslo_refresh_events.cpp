#include "agent/serve/oslo_refresh_events.h"

#include <algorithm>
#include <random>

#include "agent/config/notification_options.h"
#include "rpc/python_json.h"

namespace agent::serve {
namespace {

constexpr std::string_view kModule = "bdm_agent.serve.notifications";

std::string_view EventType(RefreshPhase phase) {
  switch (phase) {
    case RefreshPhase::kStart: return "bdm_agent.refresh.start";
    case RefreshPhase::kEnd: return "bdm_agent.refresh.end";
    case RefreshPhase::kError: return "bdm_agent.refresh.error";
  }
  return "bdm_agent.refresh";
}

std::string Join(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

}  // namespace

base::Result<rpc::Notification> RefreshNotification(const RefreshEvent& event, RefreshPhase phase,
                                                    std::string_view publisher_id) {
  rpc::PythonJsonObjectWriter payload;
  payload.OptionalString("instance_uuid", event.instance_uuid)
      .OptionalString("volume_id", event.volume_id)
      .OptionalString("bdm_uuid", event.bdm_uuid);
  if (phase != RefreshPhase::kStart) {
    auto timings = rpc::ToPythonJson(event.timings_json);
    if (!timings.ok()) return base::Status::InvalidInput("the timings are " + timings.error().message());
    payload.OptionalString("old_attachment_id", event.old_attachment_id)
        .OptionalString("new_attachment_id", event.new_attachment_id)
        .TrustedJson("timings", timings->json);
  }
  if (phase == RefreshPhase::kEnd) payload.String("outcome", event.outcome).Bool("taken_over", event.taken_over);
  if (phase == RefreshPhase::kError) {
    payload.String("error_class", event.error_class).String("error_message", event.error_message);
  }
  BASE_TRY_ASSIGN(std::string payload_json, std::move(payload).Finish());
  rpc::Notification notification;
  notification.publisher_id = std::string(publisher_id);
  notification.event_type = std::string(EventType(phase));
  notification.priority = phase == RefreshPhase::kError ? "ERROR" : "INFO";
  notification.payload_json = std::move(payload_json);
  notification.context_json = event.context_json.empty() ? "{}" : event.context_json;
  return notification;
}

OsloRefreshEvents::OsloRefreshEvents(rpc::Notifier notifier, std::chrono::milliseconds timeout,
                                     std::string publisher_id, const Log& log)
    : notifier_(std::move(notifier)), timeout_(timeout), publisher_id_(std::move(publisher_id)), log_(log) {}

OsloRefreshEvents::~OsloRefreshEvents() {
  const std::lock_guard lock(mutex_);
  (void)notifier_.Close();
}

void OsloRefreshEvents::Send(const RefreshEvent& event, RefreshPhase phase) {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  const Log log = log_.ForRequest(std::string(kModule), event.request_id, "- - - - -");
  auto notification = RefreshNotification(event, phase, publisher_id_);
  base::Status sent = notification.ok() ? base::Status::Ok() : notification.error();
  if (sent.ok()) {
    std::unique_lock lock(mutex_, deadline);
    sent = lock.owns_lock()
               ? notifier_.Notify(*notification, deadline)
               : base::Status::Timeout("other notifications held the connection for " +
                                       std::to_string(timeout_.count()) + " ms");
  }
  if (sent.ok()) {
    log.Debug(std::string(EventType(phase)) + " notification sent");
  } else {
    log.Warning(std::string(EventType(phase)) + " notification not sent (the refresh goes on): " + sent.message());
  }
}

base::Result<std::unique_ptr<RefreshEvents>> MakeRefreshEvents(const config::NovaConfig& nova, std::string_view host,
                                                              const Log& log) {
  std::mt19937_64 rng(std::random_device{}());
  BASE_TRY_ASSIGN(std::optional<config::NotificationOptions> options,
                  config::NotificationOptionsFromConfig(nova, "bdm-agent", rng));
  if (!options) {
    log.Info("notifications off: [oslo_messaging_notifications] driver names neither messagingv2 nor messaging");
    return std::unique_ptr<RefreshEvents>(std::make_unique<NoRefreshEvents>());
  }
  if (!options->ignored_drivers.empty()) {
    log.Warning("[oslo_messaging_notifications] driver: bdm-agent sends only messagingv2 and messaging "
                "notifications, not " + Join(options->ignored_drivers));
  }
  const std::vector<std::string> topics = options->notifier.topics;
  const bool v1 = std::find(options->notifier.formats.begin(), options->notifier.formats.end(),
                            rpc::NotificationFormat::kV1) != options->notifier.formats.end();
  BASE_TRY_ASSIGN(rpc::Notifier notifier, rpc::Notifier::Create(std::move(options->notifier)));
  std::string publisher_id = "bdm-agent." + std::string(host);
  log.Info("notifications on: bdm_agent.refresh.* as " + publisher_id + " to topics " + Join(topics) +
           (v1 ? " (also in the 1.0 format)" : "") + ", at most " + std::to_string(options->timeout.count()) +
           " ms each");
  return std::unique_ptr<RefreshEvents>(
      std::make_unique<OsloRefreshEvents>(std::move(notifier), options->timeout, std::move(publisher_id), log));
}

}  // namespace agent::serve

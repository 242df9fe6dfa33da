#include "rpc/notification.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

#include "rpc/envelope.h"
#include "rpc/python_json.h"

namespace rpc {
namespace {

// oslo.messaging 14 notifier.py _sanitize_context: the context keys a
// notification may carry.
constexpr std::string_view kSafeContextKeys[] = {
    "user_id", "project_id", "domain_id", "user_domain_id", "project_domain_id", "is_admin", "request_id",
    "roles", "user_name", "project_name", "domain_name", "user_domain_name", "project_domain_name",
    "service_user_id", "service_user_domain_id", "service_user_domain_name", "service_project_id",
    "service_project_name", "service_project_domain_id", "service_project_domain_name", "service_roles",
    "global_request_id", "system_scope", "user", "domain", "user_domain", "project_domain"};

bool SafeContextKey(const JsonMemberView& member) {
  return std::any_of(std::begin(kSafeContextKeys), std::end(kSafeContextKeys),
                     [&](std::string_view key) { return member.KeyIs(key); });
}

}  // namespace

std::string PythonUtcTimestamp(std::chrono::system_clock::time_point time) {
  const auto micros = std::chrono::time_point_cast<std::chrono::microseconds>(time).time_since_epoch().count();
  const long long seconds = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  const long long fraction = micros - seconds * 1000000;
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &utc);
  std::string out(text, n);
  if (fraction != 0) {
    char micro[24];
    std::snprintf(micro, sizeof micro, ".%06lld", fraction);
    out += micro;
  }
  return out;
}

base::Result<std::string> EncodeNotification(const Notification& notification, const NotificationStamp& stamp) {
  const auto invalid = [](std::string_view detail) {
    return base::Status::InvalidInput("notification: " + std::string(detail));
  };
  for (const auto& [name, value] : {std::pair{"publisher_id", &notification.publisher_id},
                                    {"event_type", &notification.event_type},
                                    {"priority", &notification.priority}}) {
    if (value->empty()) return invalid(std::string(name) + " is empty");
  }
  auto payload = ToPythonJson(notification.payload_json);
  if (!payload.ok()) return invalid("the payload is " + payload.error().message());
  std::string context_storage;
  auto context = SplitJsonObjectViews(notification.context_json, context_storage);
  if (!context.ok()) return invalid("the context is " + context.error().message());

  PythonJsonObjectWriter message(512 + payload->json.size() + notification.context_json.size());
  message.String("message_id", stamp.message_id)
      .String("publisher_id", notification.publisher_id)
      .String("event_type", notification.event_type)
      .String("priority", notification.priority)
      .TrustedJson("payload", payload->json)
      .String("timestamp", PythonUtcTimestamp(stamp.time))
      .String("_unique_id", stamp.unique_id);
  for (const JsonMemberView& member : *context) {
    if (SafeContextKey(member)) message.TrustedMember("_context_", member.key_literal, member.json);
  }
  auto text = std::move(message).Finish();
  if (!text.ok()) return invalid(text.error().message());
  return text;
}

base::Result<std::string> NotificationBody(std::string_view message_json, NotificationFormat format) {
  if (format == NotificationFormat::kV1) return std::string(message_json);
  return Wrap(message_json);
}

std::string NotificationRoutingKey(std::string_view topic, std::string_view priority) {
  std::string key(topic);
  key += '.';
  for (const char c : priority) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace rpc

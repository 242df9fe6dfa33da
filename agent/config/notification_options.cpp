#include "agent/config/notification_options.h"

#include <algorithm>

#include "agent/config/rpc_client_options.h"

namespace agent::config {
namespace {

constexpr std::string_view kSection = "oslo_messaging_notifications";

bool Names(const std::vector<std::string>& drivers, std::string_view name) {
  return std::find(drivers.begin(), drivers.end(), name) != drivers.end();
}

}  // namespace

base::Result<std::optional<NotificationOptions>> NotificationOptionsFromConfig(const NovaConfig& conf,
                                                                               std::string_view program,
                                                                               std::mt19937_64& rng) {
  BASE_TRY_ASSIGN(std::optional<std::vector<std::string>> drivers, conf.GetList(kSection, "driver"));
  if (!drivers) return std::optional<NotificationOptions>();
  NotificationOptions options;
  options.notifier.formats.clear();
  if (Names(*drivers, "messagingv2")) options.notifier.formats.push_back(rpc::NotificationFormat::kV2);
  if (Names(*drivers, "messaging")) options.notifier.formats.push_back(rpc::NotificationFormat::kV1);
  if (options.notifier.formats.empty()) return std::optional<NotificationOptions>();
  for (const std::string& driver : *drivers) {
    if (driver != "messagingv2" && driver != "messaging" && !Names(options.ignored_drivers, driver)) {
      options.ignored_drivers.push_back(driver);
    }
  }

  BASE_TRY_ASSIGN(std::optional<std::string> url, conf.Get(kSection, "transport_url"));
  std::string option = "[oslo_messaging_notifications] transport_url";
  if (!url) {
    url = conf.transport_url;
    option = "[DEFAULT] transport_url";
  }
  if (!url) {
    return base::Status::InvalidInput(
        "[oslo_messaging_notifications] driver asks for notifications, but neither "
        "[oslo_messaging_notifications] transport_url nor [DEFAULT] transport_url is set");
  }
  BASE_TRY_ASSIGN(rpc::RpcClientOptions rpc, RpcClientOptionsForUrl(conf, *url, option, program, rng));
  options.notifier.connect = std::move(rpc.connect);
  options.notifier.topology = std::move(rpc.topology);
  options.notifier.retry = rpc.retry;

  BASE_TRY_ASSIGN(std::optional<std::vector<std::string>> topics, conf.GetList(kSection, "topics"));
  if (topics) options.notifier.topics = std::move(*topics);
  if (options.notifier.topics.empty()) {
    return base::Status::InvalidInput("[oslo_messaging_notifications] topics: names no topic");
  }
  for (const std::string& topic : options.notifier.topics) {
    if (topic.find_first_of(" \t\r\n") != std::string::npos) {
      return base::Status::InvalidInput("[oslo_messaging_notifications] topics: " +
                                        conf.Shown(kSection, "topics", topic) + " holds whitespace");
    }
  }
  BASE_TRY_ASSIGN(std::optional<int> retry, conf.GetInt(kSection, "retry"));
  options.notifier.resends = retry.value_or(-1);
  if (options.notifier.resends < -1) {
    return base::Status::InvalidInput("[oslo_messaging_notifications] retry: " +
                                      conf.Shown(kSection, "retry", std::to_string(options.notifier.resends)) +
                                      " is below -1");
  }
  BASE_TRY_ASSIGN(std::optional<int> timeout, conf.GetInt("bdm_agent", "notification_timeout"));
  if (timeout) {
    if (*timeout < 1 || *timeout > 300) {
      return base::Status::InvalidInput("[bdm_agent] notification_timeout: " +
                                        conf.Shown("bdm_agent", "notification_timeout", std::to_string(*timeout)) +
                                        " is not from 1 to 300");
    }
    options.timeout = std::chrono::seconds(*timeout);
  }
  return std::optional<NotificationOptions>(std::move(options));
}

}  // namespace agent::config

#include "agent/serve/serve_settings.h"

namespace agent::serve {
namespace {

base::Result<int> Bounded(const config::NovaConfig& conf, std::string_view key, int value, int low, int high) {
  if (value >= low && value <= high) return value;
  return base::Status::InvalidInput("[bdm_agent] " + std::string(key) + ": " +
                                    conf.Shown("bdm_agent", key, std::to_string(value)) + " is not from " +
                                    std::to_string(low) + " to " + std::to_string(high));
}

}  // namespace

base::Result<ServeSettings> LoadServeSettings(const config::NovaConfig& conf, const ServeOverrides& overrides) {
  ServeSettings s;
  s.host = conf.host;
  BASE_TRY_ASSIGN(std::optional<std::string> topic, conf.Get("bdm_agent", "topic"));
  if (topic) s.topic = *topic;
  BASE_TRY_ASSIGN(std::optional<std::string> host, conf.Get("bdm_agent", "host"));
  if (host) s.host = *host;
  BASE_TRY_ASSIGN(std::optional<int> workers, conf.GetInt("bdm_agent", "workers"));
  if (workers) {
    BASE_TRY_ASSIGN(s.workers, Bounded(conf, "workers", *workers, 1, 64));
  }
  BASE_TRY_ASSIGN(std::optional<std::vector<std::string>> roles, conf.GetList("bdm_agent", "allowed_roles"));
  if (roles) s.allowed_roles = std::move(*roles);
  BASE_TRY_ASSIGN(std::optional<int> grace, conf.GetInt("bdm_agent", "graceful_shutdown_timeout"));
  if (grace) {
    BASE_TRY_ASSIGN(int seconds, Bounded(conf, "graceful_shutdown_timeout", *grace, 0, 86400));
    s.graceful_shutdown_timeout = std::chrono::seconds(seconds);
  }
  BASE_TRY_ASSIGN(std::optional<bool> ping, conf.GetBool("DEFAULT", "rpc_ping_enabled"));
  s.rpc_ping_enabled = ping.value_or(false);

  if (overrides.topic) s.topic = *overrides.topic;
  if (overrides.host) s.host = *overrides.host;
  if (overrides.workers) s.workers = *overrides.workers;
  if (s.topic.empty()) return base::Status::InvalidInput("[bdm_agent] topic: must not be empty");
  if (s.host.empty()) return base::Status::InvalidInput("[bdm_agent] host: must not be empty");
  for (const std::string* name : {&s.topic, &s.host}) {  // they name queues: "<topic>", "<topic>.<host>"
    if (name->find_first_of(" \t\r\n") != std::string::npos) {
      return base::Status::InvalidInput("the serve topic and host must not hold whitespace");
    }
  }
  if (s.workers < 1 || s.workers > 64) return base::Status::InvalidInput("--workers must be from 1 to 64");
  return s;
}

}  // namespace agent::serve

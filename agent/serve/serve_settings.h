// ServeSettings: what `bdm-agent serve` reads beside Nova's own options, from
// [bdm_agent] and the command line (which wins):
//   topic                      --topic    default "bdm_agent"
//   host                       --host     default [DEFAULT] host
//   workers                    --workers  default 4 (1-64): handler threads
//   allowed_roles                         default "admin": a request's
//                                         context needs is_admin or one
//                                         of these roles
//   graceful_shutdown_timeout             default 60 s: how long SIGTERM
//                                         waits for handlers in flight
// and oslo's [DEFAULT] rpc_ping_enabled (default false). kInvalidInput
// naming the option for a value that does not read (its value quoted only
// when NovaConfig::Shown allows).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/nova_config.h"
#include "base/result.h"

namespace agent::serve {

inline constexpr std::string_view kDefaultTopic = "bdm_agent";

struct ServeOverrides {  // the command line's
  std::optional<std::string> topic, host;
  std::optional<int> workers;
};

struct ServeSettings {
  std::string topic{kDefaultTopic};
  std::string host;
  int workers = 4;
  std::vector<std::string> allowed_roles{"admin"};
  std::chrono::seconds graceful_shutdown_timeout{60};
  bool rpc_ping_enabled = false;
};

base::Result<ServeSettings> LoadServeSettings(const config::NovaConfig& conf, const ServeOverrides& overrides);

}  // namespace agent::serve

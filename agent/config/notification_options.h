// NotificationOptions: whether and where `bdm-agent serve` sends
// oslo.messaging notifications, read from nova.conf as oslo.messaging 14
// reads [oslo_messaging_notifications] (notify/notifier.py):
//
//   driver         the drivers; notifications go out when it names
//                  messagingv2 (2.0 envelope) or messaging (1.0, no
//                  envelope), both when it names both. Other oslo drivers
//                  (log, routing, test, noop) are not bdm-agent's: they are
//                  listed in `ignored_drivers` for the caller to log. oslo
//                  reads repeated "driver =" lines (MultiStrOpt); here the
//                  last line wins and one line may list several drivers,
//                  comma-separated. Deprecated: [DEFAULT] notification_driver.
//   transport_url  the broker; unset: [DEFAULT] transport_url. A secret: no
//                  error quotes it (passwords masked as in TransportUrl).
//                  Deprecated: [DEFAULT] notification_transport_url.
//   topics         list, default "notifications": one message per topic,
//                  routing key "<topic>.<priority>".
//   retry          re-sends after a recoverable failure: 0 none, -1 (the
//                  default) no count limit.
// and bdm-agent's own [bdm_agent] notification_timeout (seconds, 1-300,
// default 5): the longest one notification may take, connecting and
// re-sending included, so that a dead broker never holds a refresh longer.
// The broker's TLS, heartbeat and queue options are [oslo_messaging_rabbit]'s
// and the exchange is [DEFAULT] control_exchange, as for RPC.
//
// Pure: reads the config only. kInvalidInput naming the option for a value
// that does not read, a transport URL that is not rabbit://, or no
// transport URL at all while a messaging driver is asked for.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/nova_config.h"
#include "base/result.h"
#include "rpc/notifier.h"

namespace agent::config {

struct NotificationOptions {
  rpc::NotifierOptions notifier;
  std::chrono::milliseconds timeout{5000};
  std::vector<std::string> ignored_drivers;  // named in driver but not sent by bdm-agent
};

// nullopt when driver names neither messagingv2 nor messaging (then nothing
// else is read). `program` names the AMQP connection (OsloConnectionName).
base::Result<std::optional<NotificationOptions>> NotificationOptionsFromConfig(const NovaConfig& conf,
                                                                               std::string_view program,
                                                                               std::mt19937_64& rng);

}  // namespace agent::config

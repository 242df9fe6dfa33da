// The RPC client settings nova.conf gives a Nova service: broker hosts,
// credentials and vhost from [DEFAULT] transport_url, TLS, heartbeat and
// queue options from [oslo_messaging_rabbit], control_exchange from
// [DEFAULT]. kInvalidInput (naming the option) when transport_url is unset
// or not a rabbit:// URL.
#pragma once

#include <random>
#include <string_view>

#include "agent/config/nova_config.h"
#include "base/result.h"
#include "rpc/rpc_client.h"

namespace agent::config {

base::Result<rpc::RpcClientOptions> RpcClientOptionsFromConfig(const NovaConfig& conf, std::string_view program,
                                                               std::mt19937_64& rng);

// The same for another transport URL (e.g. [oslo_messaging_notifications]
// transport_url): `url` is its text and `option_name` names it in errors
// (the URL itself is never quoted).
base::Result<rpc::RpcClientOptions> RpcClientOptionsForUrl(const NovaConfig& conf, std::string_view url,
                                                           std::string_view option_name, std::string_view program,
                                                           std::mt19937_64& rng);

}  // namespace agent::config

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

}  // namespace agent::config

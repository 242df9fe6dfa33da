// FetchConnector: the connector of another host, asked of the bdm-agent
// serving there: an RPC call `get_connector` (namespace bdm_agent, version
// 1.0, an admin context) to "<topic>.<host>" on the control exchange, with
// [DEFAULT] rpc_response_timeout. What `serve`'s refresh uses when the
// caller gives no connector: the instance's own compute host answers for
// itself, as `bdm-agent get-connector` would there.
//
// Failures are ConnectorErrors, as a connector file's would be: no answer
// (no agent serves on that host, the broker is unreachable) is kMissing; a
// remote error or an answer that is not a connector is kUnreadable. The
// messages name the host, never a credential.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <variant>

#include "agent/config/nova_config.h"
#include "agent/peer_time.h"
#include "rpc/rpc_client.h"

#include "agent/log.h"
#include "agent/refresh/connector_file.h"
#include "agent/serve/serve_state.h"

namespace agent::serve {

// What asking takes besides the client: the configuration (transport,
// timeout), the agents' topic, a random generator for the context's ids, and
// where the broker's time goes (may be nullptr).
struct ConnectorAsk {
  const config::NovaConfig& nova;
  const std::string& topic;
  std::mt19937_64& rng;
  PeerTime* broker_time = nullptr;
};

// Asks over `client`, connecting it first when empty; a client that lost
// its connection is reset, to connect again next time. Not thread-safe:
// one call per client at a time (a batch refresh serialises its calls).
std::variant<refresh::Connector, refresh::ConnectorError> AskConnector(std::optional<rpc::RpcClient>& client,
                                                                     const ConnectorAsk& ask, const std::string& host,
                                                                     const Log& log);

// AskConnector over `worker.connector_client`, as serve's refresh asks.
std::variant<refresh::Connector, refresh::ConnectorError> FetchConnector(WorkerResources& worker,
                                                                       const std::string& host, const Log& log);

}  // namespace agent::serve

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

#include <string>
#include <variant>

#include "agent/log.h"
#include "agent/refresh/connector_file.h"
#include "agent/serve/serve_state.h"

namespace agent::serve {

// Uses (and connects on first use) `worker.connector_client`.
std::variant<refresh::Connector, refresh::ConnectorError> FetchConnector(WorkerResources& worker,
                                                                       const std::string& host, const Log& log);

}  // namespace agent::serve

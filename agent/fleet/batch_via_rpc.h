// RunBatchViaRpc: a batch refresh spread over `bdm-agent serve` agents
// (`refresh ... --via-rpc`, issue 12). Same plan, run journal and outcomes
// as RunBatch (batch_run.h), but each BDM's refresh is CAST to the topic
// `topic` with no server, so RabbitMQ hands it to one of the agents
// consuming that topic's queue, and its outcome comes back as the agent's
// bdm_agent.refresh.end / .error notification (refresh_notice.h):
//   - before the first cast, an exclusive auto-delete queue of its own is
//     bound on control_exchange to "<t>.info" and "<t>.error" for each
//     notification topic t of [oslo_messaging_notifications] topics (the
//     agents' config must send there; a config with notifications off is
//     refused: nothing would come back);
//   - each cast (serve endpoint 1.1, agent/serve/refresh_args.h) carries the
//     BDM, the planned attachment (`expect`), its own context request_id
//     (how its notification is matched), the lock/action/unlock request ids
//     every agent receiving it would use, `takeover_after`, and the host's
//     connector when `connector` has it (else the agent asks that host's
//     agent, as serve's refresh does);
//   - an instance's BDMs are cast one after another (the next when the
//     previous one's outcome came), at most `workers` BDMs in flight and
//     `per_host` per compute host;
//   - the start line is synced to the run journal before the cast, the
//     outcome written when its notification comes;
//   - a BDM without an outcome `outcome_timeout` after its cast is left
//     without one (logged; resume decides from the live state) and its
//     instance's later BDMs are not cast; the run goes on;
//   - once `stop` is requested no further cast is made; those in flight are
//     waited for (each up to its timeout); once `abort` is requested too
//     (a second Ctrl-C) they are no longer waited for: the agents finish
//     them, and --resume finds them done from the live state.
// Returns the totals as RunBatch does; kUnavailable / kPermissionDenied /
// kInvalidInput when the broker cannot be reached or the configuration
// does not allow it (nothing was cast then), the run journal's error when
// it cannot be written. A listener lost mid-run stops further casts (the
// BDMs in flight are left without an outcome).
//
// Single-threaded: `ended` is called on the caller's thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "agent/config/nova_config.h"
#include "agent/fleet/batch_run.h"
#include "agent/fleet/run_journal.h"
#include "agent/interrupt.h"
#include "agent/log.h"
#include "agent/refresh/connector_file.h"
#include "base/result.h"

namespace agent::fleet {

struct RpcBatchSettings {
  UnitLimits limits;
  std::string topic;                           // the agents' RPC topic
  std::chrono::seconds outcome_timeout{600};   // per BDM, from its cast
  std::chrono::seconds takeover_after{120};    // sent with each cast
};

// The connector to send for a compute host: nullopt when the coordinator
// has none (the agent then asks the host), a ConnectorError to skip the
// host's BDMs with that reason.
using CastConnector =
    std::function<std::optional<std::variant<refresh::Connector, refresh::ConnectorError>>(const std::string& host)>;

struct RpcBatchPorts {
  const config::NovaConfig& conf;
  const CastConnector& connector;
  const Log& log;
  const StopRequest* stop = nullptr;
  const StopRequest* abort = nullptr;
};

// Whether `conf` lets a run over RPC hear its outcomes: notifications on
// (messagingv2 or messaging) and readable. kInvalidInput naming what to set.
// Reads the config only; for the command to refuse before it plans.
base::Status CheckViaRpcConfig(const config::NovaConfig& conf);

base::Result<BatchTotals> RunBatchViaRpc(RunJournal& journal, const RpcBatchSettings& settings,
                                         const RpcBatchPorts& ports, const BdmEnded& ended);

}  // namespace agent::fleet

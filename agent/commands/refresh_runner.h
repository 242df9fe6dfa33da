// RunRefreshRequest: the refresh of one volume BDM as a function, what the
// `refresh` command and `serve`'s refresh endpoint share: every check a real
// run makes before its first change (also in a dry run), an earlier refresh
// of the instance recovered first, then the plan (dry run) or the workflow
// (agent/refresh/refresh_workflow.h), and the outcome as refresh's exit code
// (agent/exit_codes.h) with its one-line error and the lines a command
// prints on stdout. It prints nothing itself; warnings and debug lines go to
// the log.
//
// Thread safety: one call per NovaSession at a time (its database
// connections are not shared); calls on different sessions may run at once,
// and two of them for the same instance exclude each other through the
// journal's lock (exit_code::kRefreshAlreadyRunning).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agent/commands/cli.h"
#include "agent/commands/nova_session.h"
#include "agent/commands/refresh_setup.h"
#include "agent/interrupt.h"
#include "agent/log.h"
#include "agent/peer_time.h"
#include "agent/refresh/compute_link.h"
#include "agent/refresh/connector_file.h"
#include "agent/refresh/reconcile.h"
#include "agent/refresh/refresh_begin.h"
#include "agent/test_hooks.h"

namespace agent::commands {

// The attachment a batch planned the refresh for: the BDM is refreshed only
// while it still holds it (id, or none), so that a refresh that finished
// before a crash, or one someone else made since the plan, is not made again.
struct ExpectedAttachment {
  std::optional<std::string> attachment_id;
};

// A batch run over RPC (`refresh --via-rpc`): the message was `redelivered`
// by the broker, and a refresh of this very request that another agent left
// half done may be taken over once its lock is `min_lock_age` old
// (agent/refresh/takeover.h). Needs RefreshRequest::request_ids and expect.
struct TakeoverPolicy {
  bool redelivered = false;
  std::chrono::seconds min_lock_age{120};
};

struct RefreshRequest {
  BdmSelection selection;
  std::optional<ExpectedAttachment> expect;           // batch runs only
  // The lock/action/unlock request ids to use (else fresh ones): a batch
  // over RPC sends them, so that every agent recognises the lock as this
  // request's. A refresh rolled back by a takeover runs again with fresh ids.
  std::optional<refresh::RefreshRequestIds> request_ids;
  std::optional<TakeoverPolicy> takeover;
  // A batch unit's lock: the refresh locks with it (unless held: then the
  // instance locked with its reason passes the checks) and does not unlock.
  std::optional<refresh::UnitLockIds> unit_lock;
  std::optional<std::string> state_dir;                // overrides [bdm_agent] state_dir
  std::vector<std::string> allowed_hypervisor_types;  // added to [bdm_agent] allowed_hypervisor_types
  refresh::DryRun dry_run = refresh::DryRun::kNo;
};

// The connector to send, asked for once the instance's compute host is
// known (before the checks that compare the two).
using ConnectorSource =
    std::function<std::variant<refresh::Connector, refresh::ConnectorError>(const std::string& compute_host)>;

struct RefreshContext {
  const Log& log;
  PeerTimes* times = nullptr;           // may be nullptr; must outlive the call
  const TestHooks* hooks = nullptr;     // test builds only
  // Called once, right before the first thing that may change state (a
  // real run only); what it returns (may be nullptr) is asked between steps.
  std::function<const StopRequest*()> arm_stop = {};
  // Cinder's settings and tokens shared with other requests (serve); empty:
  // the refresh opens its own (one token request).
  cinder::CinderAccessSource cinder_access = {};
  // The broker connection to call the compute over, kept across the
  // caller's refreshes (a batch worker's; one refresh at a time); nullptr:
  // the refresh opens its own. Must outlive the call.
  refresh::ComputeConnection* compute_connection = nullptr;
};

RefreshEnding RunRefreshRequest(const RefreshRequest& request, const ConnectorSource& connector, NovaSession& session,
                                const RefreshContext& context);

}  // namespace agent::commands

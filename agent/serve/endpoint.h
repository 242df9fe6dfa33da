// The endpoint `bdm-agent serve` answers: namespace "bdm_agent", version
// "1.1" (oslo's compatibility rules: a later 1.x only adds; 1.1 added
// refresh's expect, request_ids and takeover_after, refresh_args.h).
//
//   ping()                          {"host", "version", "uptime_s"}
//   show(bdm_uuid=None, instance_uuid=None, volume_id=None, show_secrets=False)
//                                   the BDM as `bdm-agent show --json` prints it
//   get_connector()                 this host's os-brick connector, as
//                                   `bdm-agent get-connector --json` prints it
//   refresh(bdm_uuid=None, instance_uuid=None, volume_id=None, connector=None, dry_run=False,
//           expect=None, request_ids=None, takeover_after=None)   (the last three: 1.1)
//                                   the CLI's refresh (commands/refresh_runner.h);
//                                   without a connector, the instance's compute
//                                   host's agent is asked for it (connector_fetch.h).
//                                   Returns {"bdm_uuid", "old_attachment_id",
//                                   "new_attachment_id", "timings"} (+ "plan", the
//                                   dry run's lines; with expect, "outcome" and
//                                   "taken_over"); emits start/end/error events.
//
// Every method first checks the request's context: is_admin, or a role in
// [bdm_agent] allowed_roles; otherwise NotAuthorized, logged with user,
// project, request_id and method, and nothing runs. Failures are remote
// errors of failure_classes.h (one class per exit condition of the CLI
// command); unexpected arguments are Python's TypeError. Handlers run on the
// server's worker threads, each with its own database connections
// (serve_state.h); two refreshes of one instance exclude each other through
// the journal (RefreshInProgress).
#pragma once

#include "agent/serve/serve_state.h"
#include "rpc/rpc_dispatcher.h"

namespace agent::serve {

inline constexpr std::string_view kNamespace = "bdm_agent";
inline constexpr std::string_view kVersion = "1.1";

// `state` must outlive the endpoint.
rpc::Endpoint MakeEndpoint(ServeState& state);

}  // namespace agent::serve

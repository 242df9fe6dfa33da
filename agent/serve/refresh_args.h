// The arguments version 1.1 of serve's endpoint adds to refresh, what a
// batch run over RPC (`bdm-agent refresh ... --via-rpc`) casts with each
// BDM (oslo's rule: a minor version only adds; a 1.0 caller sends none):
//
//   expect={"attachment_id": ID or null}   refresh only while the BDM holds
//                                          this attachment (the planned one);
//                                          else "already-refreshed", nothing done
//   request_ids={"lock": R, "action": R, "unlock": R}
//                                          the three actions' request ids, the
//                                          same for every agent the message
//                                          reaches (agent/refresh/takeover.h)
//   takeover_after=SECONDS                 with both above: on a redelivered
//                                          message, finish a refresh of this
//                                          request that another agent left,
//                                          once its lock is that old
//
// ReadRefreshArgs fills them into a RefreshRequest; a value of the wrong
// shape is InvalidArguments naming it. Pure.
#pragma once

#include <optional>

#include "agent/commands/refresh_runner.h"
#include "agent/serve/call_args.h"

namespace agent::serve {

inline constexpr std::int64_t kMaxTakeoverAfterSeconds = 86400;

// `redelivered`: the broker's flag on the message (RpcRequest::redelivered).
std::optional<rpc::RemoteFailure> ReadRefreshArgs(const CallArgs& args, bool redelivered,
                                                  commands::RefreshRequest& request);

}  // namespace agent::serve

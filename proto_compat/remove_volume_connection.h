// remove_volume_connection: how Nova's newest compute RPC client sends it
// under a version cap (nova/compute/rpcapi.py; see compute_rpc_version.h).
//
//   can send 6.3  version "6.3" with delete_attachment=True (nova-manage
//                 passes True), so the compute deletes the old Cinder
//                 attachment itself
//   else          delete_attachment is dropped and _ver() picks "6.0" when
//                 6.0 can be sent, else "5.0"; the caller must delete the old
//                 attachment (what Zed's nova-manage does after the call)
//   topic         "compute-alt" when 6.5 can be sent, else "compute"
//   Instance      2.8 when 6.3 can be sent (every such compute is nova >= 29,
//                 which knows 2.8), else 2.7, which every 6.x compute
//                 accepts without a conductor backport round trip. (Nova
//                 itself always sends its own newest version.)
// With no cap (Nova's own client when `[upgrade_levels] compute` is unset)
// this is 6.3 + delete_attachment on compute-alt: right for the newest
// computes only. bdm-agent always has a cap: unset means "auto" there
// (compute_rpc_version.h), so the call follows the oldest nova-compute.
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "proto_compat/compute_rpc_version.h"
#include "proto_compat/instance.h"

namespace proto_compat {

inline constexpr std::string_view kRemoveVolumeConnectionMethod = "remove_volume_connection";

struct RemoveVolumeConnectionCall {
  std::string version;             // "6.3", "6.0" or "5.0"
  bool delete_attachment = false;  // send delete_attachment=true
  std::string topic;               // "compute" or "compute-alt"; routing key "<topic>.<host>"
  InstanceVersion instance_version = InstanceVersion::k2_7;
};

// The call for `cap`. kFailedPrecondition, naming the cap and the versions
// the call needs, when the cap allows neither 6.x nor 5.0 (a 4.x or 7.x cap):
// Nova's client raises RPCVersionCapError there without sending anything.
base::Result<RemoveVolumeConnectionCall> PlanRemoveVolumeConnection(const ComputeRpcCap& cap);

// The call's `args` object in the client's keyword order: instance,
// volume_id, then delete_attachment (only when the call sends it).
// `instance_primitive` is EncodeInstancePrimitive's output. kInvalidInput
// when volume_id is not UTF-8.
base::Result<std::string> RemoveVolumeConnectionArgs(const RemoveVolumeConnectionCall& call,
                                                     std::string_view instance_primitive,
                                                     std::string_view volume_id);

}  // namespace proto_compat

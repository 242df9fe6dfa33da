#include "proto_compat/remove_volume_connection.h"

#include "rpc/python_json.h"

namespace proto_compat {

base::Result<RemoveVolumeConnectionCall> PlanRemoveVolumeConnection(const ComputeRpcCap& cap) {
  const RpcVersion v5_0{5, 0, std::nullopt};
  const RpcVersion v6_0{6, 0, std::nullopt};
  const RpcVersion v6_3{6, 3, std::nullopt};
  const RpcVersion v6_5{6, 5, std::nullopt};

  RemoveVolumeConnectionCall call;
  call.topic = CanSendVersion(cap.cap, v6_5) ? "compute-alt" : "compute";
  if (CanSendVersion(cap.cap, v6_3)) {
    call.version = FormatRpcVersion(v6_3);
    call.delete_attachment = true;
    call.instance_version = InstanceVersion::k2_8;
    return call;
  }
  const RpcVersion version = CanSendVersion(cap.cap, v6_0) ? v6_0 : v5_0;
  if (!CanSendVersion(cap.cap, version)) {
    return base::Status::FailedPrecondition(
        "compute RPC version cap " + FormatRpcVersion(*cap.cap) + " (" + cap.origin +
        ") cannot carry remove_volume_connection, which needs 6.0 to 6.3 or 5.0 (computes of Nova 17.0.0 "
        "Queens or newer)");
  }
  call.version = FormatRpcVersion(version);
  return call;
}

base::Result<std::string> RemoveVolumeConnectionArgs(const RemoveVolumeConnectionCall& call,
                                                     std::string_view instance_primitive,
                                                     std::string_view volume_id) {
  rpc::PythonJsonObjectWriter args(instance_primitive.size() + volume_id.size() + 96);
  args.TrustedJson("instance", instance_primitive).String("volume_id", volume_id);
  if (call.delete_attachment) args.Bool("delete_attachment", true);
  return std::move(args).Finish();
}

}  // namespace proto_compat

// ComputeLink: refresh's one call to the instance's nova-compute,
// remove_volume_connection, behind an interface so the workflow can be tested
// with fault injection. RpcComputeLink sends it over oslo.messaging exactly
// as Nova's compute RPC client would under the deployment's version cap:
// admin RequestContext, the Instance primitive of the version the plan
// names, topic "<compute|compute-alt>.<host>", [DEFAULT] rpc_response_timeout.
#pragma once

#include <chrono>
#include <random>
#include <string_view>

#include "agent/config/nova_config.h"
#include "agent/db/nova_database.h"
#include "agent/log.h"
#include "agent/peer_time.h"
#include "base/result.h"
#include "proto_compat/instance.h"
#include "proto_compat/remove_volume_connection.h"
#include "rpc/rpc_client.h"

namespace agent::refresh {

class ComputeLink {
 public:
  virtual ~ComputeLink() = default;
  // Whether the call asks the compute to delete the old attachment itself.
  virtual bool DeletesOldAttachment() const = 0;
  // kTimeout, kRemoteError (naming the compute's exception), kUnavailable...
  virtual base::Status RemoveVolumeConnection(const proto_compat::InstanceRecord& instance, std::string_view volume_id,
                                              std::string_view host) = 0;
};

// How remove_volume_connection must be sent in this deployment:
// [upgrade_levels] compute, with "auto" (the default) resolved from the
// lowest nova-compute service version of the cells that answer.
base::Result<proto_compat::RemoveVolumeConnectionCall> PlanComputeCall(db::NovaDatabase& nova_db,
                                                                      const config::NovaConfig& conf,
                                                                      const Log& log);

class RpcComputeLink final : public ComputeLink {
 public:
  // Connects to the broker now, so that an unreachable broker is found
  // before refresh changes anything. `broker_time` (may be nullptr) gets the
  // time spent on the broker (connecting, and each call's
  // CallStats::BrokerTime) and must outlive the link.
  static base::Result<RpcComputeLink> Connect(const config::NovaConfig& conf,
                                              proto_compat::RemoveVolumeConnectionCall plan, const Log& log,
                                              PeerTime* broker_time = nullptr);

  bool DeletesOldAttachment() const override { return plan_.delete_attachment; }
  base::Status RemoveVolumeConnection(const proto_compat::InstanceRecord& instance, std::string_view volume_id,
                                      std::string_view host) override;

 private:
  RpcComputeLink(rpc::RpcClient client, proto_compat::RemoveVolumeConnectionCall plan,
                 std::chrono::milliseconds timeout, const Log& log, PeerTime* broker_time);

  rpc::RpcClient client_;
  proto_compat::RemoveVolumeConnectionCall plan_;
  std::chrono::milliseconds timeout_;
  const Log* log_;
  PeerTime* broker_time_;
  std::mt19937_64 rng_;
};

}  // namespace agent::refresh

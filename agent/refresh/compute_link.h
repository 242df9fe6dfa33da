// ComputeLink: refresh's one call to the instance's nova-compute,
// remove_volume_connection, behind an interface so the workflow can be tested
// with fault injection. RpcComputeLink sends it over oslo.messaging exactly
// as Nova's compute RPC client would under the deployment's version cap:
// admin RequestContext, the Instance primitive of the version the plan
// names, topic "<compute|compute-alt>.<host>", [DEFAULT] rpc_response_timeout.
// Its broker connection is a ComputeConnection: its own (a single refresh)
// or one kept across refreshes (a batch worker's), so that a batch opens one
// per worker rather than one per BDM.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
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

// The broker connection remove_volume_connection calls go over: one
// rpc::RpcClient (its publishing and reply connections, its reply queue),
// opened by the first call that needs it and kept for the calls after it.
// The client reconnects by itself within a call (rpc_client.h); after a call
// that failed anywhere but in the compute (no reply in time, the broker
// unreachable past the deadline) the client is dropped, and the next call
// opens a new one, so a connection left in an unknown state is never reused.
//
// Not thread-safe: one call at a time (a batch keeps one per worker).
class ComputeConnection {
 public:
  explicit ComputeConnection(rpc::RpcClientOptions options) : options_(std::move(options)) {}
  // The options of nova.conf ([DEFAULT] transport_url, [oslo_messaging_rabbit]);
  // kInvalidInput naming the option when they do not parse. Opens nothing.
  static base::Result<ComputeConnection> FromConfig(const config::NovaConfig& conf);

  // The open client, opened first when there is none (errors as
  // rpc::RpcClient::Connect); `broker_time` (may be nullptr) gets the time
  // of opening it. Valid until Drop() or the connection's end.
  base::Result<rpc::RpcClient*> Client(PeerTime* broker_time);
  // Lets the client go (its sockets closed, no AMQP handshake: the
  // connection may be the broken one); the next Client() opens a new one.
  void Drop();
  // How many clients were opened so far.
  int opened() const { return opened_; }

 private:
  rpc::RpcClientOptions options_;
  std::optional<rpc::RpcClient> client_;
  int opened_ = 0;
};

class RpcComputeLink final : public ComputeLink {
 public:
  // Opens the link's own connection now, so that an unreachable broker is
  // found before refresh changes anything. `broker_time` (may be nullptr)
  // gets the time spent on the broker (connecting, and each call's
  // CallStats::BrokerTime) and must outlive the link.
  static base::Result<RpcComputeLink> Connect(const config::NovaConfig& conf,
                                              proto_compat::RemoveVolumeConnectionCall plan, const Log& log,
                                              PeerTime* broker_time = nullptr);
  // The same over `connection`, kept after the link ends for the next one
  // (opened now when it is not open); `connection` must outlive the link.
  static base::Result<RpcComputeLink> Over(ComputeConnection& connection, const config::NovaConfig& conf,
                                           proto_compat::RemoveVolumeConnectionCall plan, const Log& log,
                                           PeerTime* broker_time = nullptr);
  // Over `connection` with the call timeout given (tests); opens nothing yet.
  RpcComputeLink(ComputeConnection& connection, proto_compat::RemoveVolumeConnectionCall plan,
                 std::chrono::milliseconds timeout, const Log& log, PeerTime* broker_time = nullptr);

  bool DeletesOldAttachment() const override { return plan_.delete_attachment; }
  base::Status RemoveVolumeConnection(const proto_compat::InstanceRecord& instance, std::string_view volume_id,
                                      std::string_view host) override;

 private:
  std::unique_ptr<ComputeConnection> own_;  // a single refresh's; empty over a shared one
  ComputeConnection* connection_;
  proto_compat::RemoveVolumeConnectionCall plan_;
  std::chrono::milliseconds timeout_;
  const Log* log_;
  PeerTime* broker_time_;
  std::mt19937_64 rng_;
};

}  // namespace agent::refresh

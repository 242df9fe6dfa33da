#include "agent/refresh/compute_link.h"

#include <optional>

#include "agent/config/rpc_client_options.h"
#include "agent/openssl_setup.h"
#include "proto_compat/request_context.h"

namespace agent::refresh {

base::Result<proto_compat::RemoveVolumeConnectionCall> PlanComputeCall(db::NovaDatabase& nova_db,
                                                                      const config::NovaConfig& conf,
                                                                      const Log& log) {
  std::optional<std::int64_t> minimum;
  if (proto_compat::IsAutoUpgradeLevel(conf.upgrade_levels_compute)) {
    BASE_TRY_ASSIGN(std::vector<db::CellMapping> cells, nova_db.ListCellMappings());
    std::vector<std::optional<std::int64_t>> versions;
    for (const db::CellMapping& cell : cells) {
      auto cell_db = nova_db.Cell(cell);
      auto version = cell_db.ok() ? (*cell_db)->MinimumComputeServiceVersion() : cell_db.error();
      if (!version.ok()) {
        log.Warning("cell " + cell.name + " left out of the compute RPC version: " + version.error().message());
        continue;
      }
      versions.push_back(*version);
    }
    minimum = proto_compat::MinimumServiceVersionAcrossCells(versions);
  }
  auto resolved = proto_compat::ResolveComputeRpcCap(conf.upgrade_levels_compute, minimum);
  if (!resolved.ok() && resolved.error().code() == base::Code::kInvalidInput &&
      !conf.MayQuote("upgrade_levels", "compute")) {  // that message quotes the value
    return base::Status::InvalidInput("[upgrade_levels] compute: " + conf.Shown("upgrade_levels", "compute", "") +
                                      " is neither a release name nor a version nor auto");
  }
  BASE_TRY_ASSIGN(proto_compat::ComputeRpcCap cap, std::move(resolved));
  log.Debug("compute RPC cap: " + cap.origin);
  return proto_compat::PlanRemoveVolumeConnection(cap);
}

base::Result<ComputeConnection> ComputeConnection::FromConfig(const config::NovaConfig& conf) {
  std::mt19937_64 rng(std::random_device{}());
  BASE_TRY_ASSIGN(rpc::RpcClientOptions options, config::RpcClientOptionsFromConfig(conf, "bdm-agent", rng));
  return ComputeConnection(std::move(options));
}

base::Result<rpc::RpcClient*> ComputeConnection::Client(PeerTime* broker_time) {
  if (!client_) {
    LoadOpenSslConfig();  // the broker connection may use TLS (agent/openssl_setup.h)
    PeerTimer timer(broker_time);
    BASE_TRY_ASSIGN(rpc::RpcClient client, rpc::RpcClient::Connect(options_));
    client_.emplace(std::move(client));
    ++opened_;
  }
  return &*client_;
}

void ComputeConnection::Drop() {
  client_.reset();  // no closing handshake: the connection may be the broken one
}

RpcComputeLink::RpcComputeLink(ComputeConnection& connection, proto_compat::RemoveVolumeConnectionCall plan,
                               std::chrono::milliseconds timeout, const Log& log, PeerTime* broker_time)
    : connection_(&connection),
      plan_(std::move(plan)),
      timeout_(timeout),
      log_(&log),
      broker_time_(broker_time),
      rng_(std::random_device{}()) {}

base::Result<RpcComputeLink> RpcComputeLink::Over(ComputeConnection& connection, const config::NovaConfig& conf,
                                                  proto_compat::RemoveVolumeConnectionCall plan, const Log& log,
                                                  PeerTime* broker_time) {
  BASE_TRY(connection.Client(broker_time).status());
  return RpcComputeLink(connection, std::move(plan), std::chrono::seconds(conf.rpc_response_timeout), log,
                        broker_time);
}

base::Result<RpcComputeLink> RpcComputeLink::Connect(const config::NovaConfig& conf,
                                                     proto_compat::RemoveVolumeConnectionCall plan, const Log& log,
                                                     PeerTime* broker_time) {
  BASE_TRY_ASSIGN(ComputeConnection connection, ComputeConnection::FromConfig(conf));
  auto own = std::make_unique<ComputeConnection>(std::move(connection));
  BASE_TRY_ASSIGN(RpcComputeLink link, Over(*own, conf, std::move(plan), log, broker_time));
  link.own_ = std::move(own);
  return link;
}

base::Status RpcComputeLink::RemoveVolumeConnection(const proto_compat::InstanceRecord& instance,
                                                    std::string_view volume_id, std::string_view host) {
  BASE_TRY_ASSIGN(std::string primitive,
                  proto_compat::EncodeInstancePrimitive(instance, plan_.instance_version,
                                                        proto_compat::NovaManageInstanceFields(plan_.instance_version)));
  rpc::RpcRequest request;
  request.method = std::string(proto_compat::kRemoveVolumeConnectionMethod);
  request.version = plan_.version;
  BASE_TRY_ASSIGN(request.args_json, proto_compat::RemoveVolumeConnectionArgs(plan_, primitive, volume_id));
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const proto_compat::RequestContext context = proto_compat::MakeAdminContext(now, rng_);
  BASE_TRY_ASSIGN(request.context_json, proto_compat::ToContextJson(context));
  request.json_trusted = true;  // both from rpc/python_json.h's writers
  const rpc::RpcTarget target{"", plan_.topic, std::string(host)};
  log_->Debug("calling remove_volume_connection " + plan_.version + " on " + plan_.topic + "." + std::string(host) +
              " (" + context.request_id + ")");
  BASE_TRY_ASSIGN(rpc::RpcClient * client, connection_->Client(broker_time_));
  auto reply = client->Call(target, std::move(request), timeout_);
  if (broker_time_ != nullptr) broker_time_->Add(client->last_stats().BrokerTime());
  if (!reply.ok()) {
    // The compute's own error came over a working connection; anything else
    // leaves the connection in doubt: the next call opens a new one.
    if (reply.error().code() != base::Code::kRemoteError) connection_->Drop();
    return reply.error().WithContext("remove_volume_connection on " + std::string(host));
  }
  return base::Status::Ok();
}

}  // namespace agent::refresh

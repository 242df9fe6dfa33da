#include "agent/serve/connector_fetch.h"

#include <chrono>

#include "agent/config/rpc_client_options.h"
#include "proto_compat/request_context.h"

namespace agent::serve {
namespace {

refresh::ConnectorError Missing(std::string message) {
  return {refresh::ConnectorFailure::kMissing, base::Status::NotFound(std::move(message))};
}

refresh::ConnectorError Unreadable(std::string message) {
  return {refresh::ConnectorFailure::kUnreadable, base::Status::InvalidInput(std::move(message))};
}

}  // namespace

std::variant<refresh::Connector, refresh::ConnectorError> AskConnector(std::optional<rpc::RpcClient>& client,
                                                                     const ConnectorAsk& ask, const std::string& host,
                                                                     const Log& log) {
  const std::string from = "the bdm-agent of host " + host + " (" + ask.topic + "." + host + ")";
  if (host.empty()) return Missing("the instance has no host to ask for a connector");
  if (!client) {
    auto options = config::RpcClientOptionsFromConfig(ask.nova, "bdm-agent", ask.rng);
    if (!options.ok()) return Unreadable("cannot ask " + from + " for its connector: " + options.error().message());
    PeerTimer timer(ask.broker_time);
    auto connected = rpc::RpcClient::Connect(std::move(*options));
    if (!connected.ok()) return Missing("cannot ask " + from + " for its connector: " + connected.error().message());
    client.emplace(std::move(*connected));
  }
  rpc::RpcRequest request;
  request.method = "get_connector";
  request.namespace_ = "bdm_agent";
  request.version = "1.0";
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto context = proto_compat::ToContextJson(proto_compat::MakeAdminContext(now, ask.rng));
  if (!context.ok()) return Unreadable("cannot build the context to ask " + from + ": " + context.error().message());
  request.context_json = std::move(*context);
  log.Debug("asking " + from + " for its connector");
  base::Result<rpc::RpcReply> reply = [&] {
    PeerTimer timer(ask.broker_time);
    return client->Call({"", ask.topic, host}, std::move(request), std::chrono::seconds(ask.nova.rpc_response_timeout));
  }();
  if (!reply.ok()) {
    if (reply.error().code() == base::Code::kRemoteError) {
      return Unreadable(from + " could not give its connector: " + reply.error().message());
    }
    client.reset();  // connect again next time
    return Missing("no connector from " + from + ": " + reply.error().message());
  }
  if (reply->failure) return Unreadable(from + " could not give its connector: " + reply->failure->Summary());
  auto parsed = refresh::ParseConnector(reply->result_json, "the connector from " + from);
  if (auto* connector = std::get_if<refresh::Connector>(&parsed)) return std::move(*connector);
  return Unreadable(std::get<refresh::ConnectorError>(parsed).status.message());
}

}  // namespace agent::serve

namespace agent::serve {

std::variant<refresh::Connector, refresh::ConnectorError> FetchConnector(WorkerResources& worker,
                                                                       const std::string& host, const Log& log) {
  const ServeConfig& config = *worker.config;
  return AskConnector(worker.connector_client, {config.nova, config.settings.topic, worker.rng, &worker.times.broker},
                      host, log);
}

}  // namespace agent::serve

#include "agent/config/rpc_client_options.h"

#include "rpc/transport_url.h"

namespace agent::config {

base::Result<rpc::RpcClientOptions> RpcClientOptionsFromConfig(const NovaConfig& conf, std::string_view program,
                                                               std::mt19937_64& rng) {
  if (!conf.transport_url) {
    return base::Status::InvalidInput("[DEFAULT] transport_url is not set in the configuration");
  }
  return RpcClientOptionsForUrl(conf, *conf.transport_url, "[DEFAULT] transport_url", program, rng);
}

base::Result<rpc::RpcClientOptions> RpcClientOptionsForUrl(const NovaConfig& conf, std::string_view url_text,
                                                           std::string_view option_name, std::string_view program,
                                                           std::mt19937_64& rng) {
  BASE_TRY_ASSIGN(rpc::TransportUrl url, rpc::ParseTransportUrl(url_text, option_name));
  rpc::TlsOptions tls;
  tls.enabled = conf.rabbit.ssl;
  tls.ca_file = conf.rabbit.ssl_ca_file;
  tls.cert_file = conf.rabbit.ssl_cert_file;
  tls.key_file = conf.rabbit.ssl_key_file;
  // oslo checks the broker's name only when a CA file is given as well.
  tls.verify_hostname = conf.rabbit.ssl_enforce_hostname_verification && !conf.rabbit.ssl_ca_file.empty();
  rpc::RpcClientOptions options;
  auto connect = rpc::ConnectOptionsFromUrl(url, tls);
  if (!connect.ok()) return connect.error().WithContext(option_name);
  options.connect = std::move(*connect);
  options.connect.heartbeat_seconds = conf.rabbit.heartbeat_timeout_threshold;
  options.connect.connection_name = rpc::OsloConnectionName(program, rng);
  options.topology.control_exchange = conf.control_exchange;
  options.topology.amqp_durable_queues = conf.rabbit.amqp_durable_queues;
  options.topology.amqp_auto_delete = conf.rabbit.amqp_auto_delete;
  options.topology.rabbit_transient_queues_ttl = conf.rabbit.rabbit_transient_queues_ttl;
  options.topology.rabbit_ha_queues = conf.rabbit.rabbit_ha_queues;
  options.topology.rabbit_quorum_queue = conf.rabbit.rabbit_quorum_queue;
  return options;
}

}  // namespace agent::config

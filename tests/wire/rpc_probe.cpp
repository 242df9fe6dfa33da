// rpc_probe: a test-only client for tests/wire/*.py. It sends oslo.messaging
// calls or casts through rpc::RpcClient and prints one line per request on
// stdout, so that a Python test can check what a real oslo.messaging server
// received and what the agent got back:
//
//   reply_queue <name>
//   result <i> <result JSON>
//   error <i> <code name> <message>
//   sent <i>                       (casts)
// and one "stats <i> total_ms=.. broker_ms=.. attempts=.. reconnects=.."
// line per request on stderr. The exit code is 0 when every request
// succeeded, 1 otherwise, 2 for bad arguments.
//
// Usage: rpc_probe --url URL --topic T [--server S] [--exchange E]
//          [--mode call|cast|fanout] --method M [--args JSON] [--context JSON]
//          [--timeout-ms N] [--repeat N] [--pause-ms N] [--ttl S]
//          [--version V] [--admin-context 1]
// --version sets the message's RPC version; --admin-context 1 sends the admin
// RequestContext bdm-agent builds (proto_compat) instead of --context.
//          [--ssl 0|1] [--ssl-ca FILE] [--ssl-cert FILE] [--ssl-key FILE]
//          [--config NOVA_CONF]
// With --repeat, "{i}" in --args is replaced by the request's index (0-based).
// The --ssl* flags fill rpc::TlsOptions as [oslo_messaging_rabbit] ssl,
// ssl_ca_file, ssl_cert_file, ssl_key_file would (a "?ssl=1" in the URL's
// query also enables TLS). --config takes the broker, credentials and TLS
// settings from a nova.conf instead, through the agent's own
// RpcClientOptionsFromConfig; --url is then not needed.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "agent/config/nova_config.h"
#include "agent/config/rpc_client_options.h"
#include "proto_compat/request_context.h"
#include "rpc/rpc_client.h"
#include "rpc/transport_url.h"

namespace {

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

long long Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {
      {"--mode", "call"}, {"--args", "{}"}, {"--context", "{}"}, {"--timeout-ms", "10000"},
      {"--repeat", "1"},  {"--pause-ms", "0"}, {"--ttl", "1800"}, {"--server", ""}, {"--exchange", ""},
      {"--admin-context", "0"}};
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  if (argc % 2 == 0 || !(flags.count("--url") || flags.count("--config")) || !flags.count("--topic") ||
      !flags.count("--method")) {
    std::cerr << "rpc_probe: error: usage: rpc_probe --url URL|--config FILE --topic T --method M [options]\n";
    return 2;
  }
  std::mt19937_64 rng(std::random_device{}());
  rpc::RpcClientOptions options;
  if (flags.count("--config")) {
    auto conf = agent::config::LoadNovaConfig({{agent::config::SourceKind::kFile, flags["--config"]}});
    if (!conf.ok()) {
      std::cerr << "rpc_probe: error: " << conf.error().ToString() << "\n";
      return 2;
    }
    auto from_config = agent::config::RpcClientOptionsFromConfig(*conf, "rpc_probe", rng);
    if (!from_config.ok()) {
      std::cerr << "rpc_probe: error: " << from_config.error().ToString() << "\n";
      return 2;
    }
    options = *from_config;
  } else {
    auto url = rpc::ParseTransportUrl(flags["--url"], "--url");
    if (!url.ok()) {
      std::cerr << "rpc_probe: error: " << url.error().ToString() << "\n";
      return 2;
    }
    rpc::TlsOptions tls;
    tls.enabled = flags["--ssl"] == "1";
    tls.ca_file = flags["--ssl-ca"];
    tls.cert_file = flags["--ssl-cert"];
    tls.key_file = flags["--ssl-key"];
    auto connect = rpc::ConnectOptionsFromUrl(*url, tls);
    if (!connect.ok()) {
      std::cerr << "rpc_probe: error: " << connect.error().ToString() << "\n";
      return 2;
    }
    connect->connection_name = rpc::OsloConnectionName("rpc_probe", rng);
    options.connect = *connect;
  }
  options.topology.rabbit_transient_queues_ttl = std::stoi(flags["--ttl"]);
  // Short reconnect steps keep the broker-restart test quick; the schedule's
  // shape is unit-tested separately.
  options.retry.rabbit_retry_interval = 0.5;
  options.retry.rabbit_retry_backoff = 0.5;
  options.retry.rabbit_interval_max = 2;

  auto client = rpc::RpcClient::Connect(options);
  if (!client.ok()) {
    std::cout << "error -1 " << base::CodeName(client.error().code()) << " " << client.error().message() << std::endl;
    return 1;
  }
  std::cout << "reply_queue " << client->reply_queue() << std::endl;

  const std::string mode = flags["--mode"];
  const auto timeout = std::chrono::milliseconds(std::stoll(flags["--timeout-ms"]));
  const int repeat = std::stoi(flags["--repeat"]);
  rpc::RpcTarget target{flags["--exchange"], flags["--topic"], flags["--server"]};
  int failures = 0;
  for (int i = 0; i < repeat; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(std::stoll(flags["--pause-ms"])));
    rpc::RpcRequest request;
    request.method = flags["--method"];
    request.args_json = Replace(flags["--args"], "{i}", std::to_string(i));
    request.context_json = flags["--context"];
    if (flags.count("--version")) request.version = flags["--version"];
    if (flags["--admin-context"] == "1") {
      const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
      auto context = proto_compat::ToContextJson(proto_compat::MakeAdminContext(now, rng));
      if (!context.ok()) {
        std::cout << "error " << i << " " << context.error().ToString() << std::endl;
        return 2;
      }
      request.context_json = *context;
    }
    base::Status status;
    if (mode == "call") {
      auto reply = client->Call(target, request, timeout);
      if (reply.ok()) {
        std::cout << "result " << i << " " << reply->result_json << std::endl;
      } else {
        status = reply.error();
      }
    } else if (mode == "cast") {
      status = client->Cast(target, request, timeout);
      if (status.ok()) std::cout << "sent " << i << std::endl;
    } else {
      status = client->FanoutCast(target.topic, request, timeout);
      if (status.ok()) std::cout << "sent " << i << std::endl;
    }
    if (!status.ok()) {
      ++failures;
      std::cout << "error " << i << " " << base::CodeName(status.code()) << " " << status.message() << std::endl;
    }
    const auto& stats = client->last_stats();
    std::cerr << "stats " << i << " total_ms=" << Ms(stats.total) << " broker_ms=" << Ms(stats.BrokerTime())
              << " attempts=" << stats.publish_attempts << " reconnects=" << stats.reconnects
              << " dropped=" << stats.dropped_replies << std::endl;
  }
  base::Status closed = client->Close();
  (void)closed;
  return failures == 0 ? 0 : 1;
}

// tools/bench rpc, part (b): call round trips through the broker with
// bdm-agent's rpc::RpcClient, as `refresh` makes them: sequential calls on
// one client (one publishing and one reply connection), each waiting for its
// reply. The peer is the Python oslo.messaging echo server the bench starts
// (rpc_echo_server.py); rpc_call_reference.py does the same with
// oslo_messaging.RPCClient, so both sides send the same message and get the
// same reply.
//
// The message is the request in BODY_FILE (bench_rpc_codec's output:
// remove_volume_connection 6.0 with a seeded Instance and the admin context);
// each call sends its method, version, args and context with fresh ids, and
// checks that the reply's result is the args, byte for byte.
//
// Usage: bench_rpc_call URL TOPIC SERVER BODY_FILE CALLS WARMUP
// Prints one JSON line {"median_s": per-call median, "calls_per_s": CALLS /
// total time, "calls": CALLS, "publish_median_s", "reply_wait_median_s"}
// (the last two from RpcClient::last_stats: until the broker confirmed the
// publish, then until the reply came); exit 1 when a call fails or echoes
// something else.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "rpc/rpc_client.h"
#include "rpc/rpc_codec.h"
#include "rpc/transport_url.h"
#include "tools/benchmarks/process_timer.h"

namespace {

using Clock = std::chrono::steady_clock;

base::Result<rpc::RpcRequest> ReadRequest(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return base::Status::NotFound(path + ": cannot open");
  std::ostringstream body;
  body << file.rdbuf();
  BASE_TRY_ASSIGN(rpc::RpcRequest decoded, rpc::DecodeRequest(body.str()));
  rpc::RpcRequest request;  // ids and timeout are the client's, per call
  request.method = decoded.method;
  request.version = decoded.version;
  request.args_json = decoded.args_json;
  request.context_json = decoded.context_json;
  return request;
}

base::Result<rpc::RpcClient> Connect(const std::string& url_text) {
  BASE_TRY_ASSIGN(auto url, rpc::ParseTransportUrl(url_text, "URL"));
  BASE_TRY_ASSIGN(auto connect, rpc::ConnectOptionsFromUrl(url, rpc::TlsOptions{}));
  std::mt19937_64 rng(std::random_device{}());
  connect.connection_name = rpc::OsloConnectionName("bench_rpc_call", rng);
  rpc::RpcClientOptions options;
  options.connect = connect;
  return rpc::RpcClient::Connect(options);
}

base::Status CallOnce(rpc::RpcClient& client, const rpc::RpcTarget& target, const rpc::RpcRequest& request) {
  BASE_TRY_ASSIGN(rpc::RpcReply reply, client.Call(target, request, std::chrono::seconds(30)));
  if (reply.result_json != request.args_json) {
    return base::Status::Corrupt("the echo differs from the args: " + reply.result_json.substr(0, 200));
  }
  return base::Status::Ok();
}

struct Summary {
  double median_s = 0;
  double calls_per_s = 0;
  double publish_median_s = 0;     // CallStats::publish: until the broker's confirm
  double reply_wait_median_s = 0;  // CallStats::reply_wait: from the confirm to the reply
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// WARMUP untimed calls, then CALLS timed ones, one after the other.
base::Result<Summary> Run(rpc::RpcClient& client, const rpc::RpcTarget& target, const rpc::RpcRequest& request,
                          int calls, int warmup) {
  for (int i = 0; i < warmup; ++i) BASE_TRY(CallOnce(client, target, request));
  std::vector<double> seconds, publish, reply_wait;
  const auto start = Clock::now();
  for (int i = 0; i < calls; ++i) {
    const auto before = Clock::now();
    BASE_TRY(CallOnce(client, target, request));
    seconds.push_back(Seconds(Clock::now() - before));
    publish.push_back(Seconds(client.last_stats().publish));
    reply_wait.push_back(Seconds(client.last_stats().reply_wait));
  }
  const double total = Seconds(Clock::now() - start);
  return Summary{bench::Median(seconds), calls / total, bench::Median(publish), bench::Median(reply_wait)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7 || std::atoi(argv[5]) <= 0 || std::atoi(argv[6]) < 0) {
    std::fprintf(stderr, "usage: bench_rpc_call URL TOPIC SERVER BODY_FILE CALLS WARMUP (CALLS > 0)\n");
    return 64;
  }
  const rpc::RpcTarget target{"", argv[2], argv[3]};
  const int calls = std::atoi(argv[5]);
  auto request = ReadRequest(argv[4]);
  if (!request.ok()) {
    std::fprintf(stderr, "bench_rpc_call: %s\n", request.error().ToString().c_str());
    return 1;
  }
  auto client = Connect(argv[1]);
  if (!client.ok()) {
    std::fprintf(stderr, "bench_rpc_call: %s\n", client.error().ToString().c_str());
    return 1;
  }
  auto summary = Run(*client, target, *request, calls, std::atoi(argv[6]));
  base::Status closed = client->Close();
  if (!summary.ok() || !closed.ok()) {
    std::fprintf(stderr, "bench_rpc_call: %s\n", (summary.ok() ? closed : summary.error()).ToString().c_str());
    return 1;
  }
  std::printf("{\"median_s\": %.9f, \"calls_per_s\": %.3f, \"calls\": %d, \"publish_median_s\": %.9f, "
              "\"reply_wait_median_s\": %.9f}\n",
              summary->median_s, summary->calls_per_s, calls, summary->publish_median_s,
              summary->reply_wait_median_s);
  return 0;
}

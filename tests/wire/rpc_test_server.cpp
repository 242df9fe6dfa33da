// rpc_test_server: a test-only oslo.messaging RPC server for
// tests/wire/test_rpc_server_wire.py. It runs rpc::RpcServer for
// Target(topic, server) on exchange --exchange (default "nova") with two
// endpoints:
//
//   namespace none, version --version (default "1.3"):
//     echo(value)                 returns value
//     fail(message[, class][, module])
//                                 raises a remote error of that class
//                                 (default BdmTestFailure from module
//                                 bdm_agent.rpc_test_server) with `message`
//     sleep(ms)                   sleeps ms milliseconds, returns ms
//   namespace "testns", version "2.0":
//     ns_echo(value)              returns {"ns": "testns", "value": value}
//
// stdout, one line each: "ready <fanout queue>" once everything is declared
// and consumed; then for every handler invocation a JSON object
// {"kind": "call"|"cast", "method": ..., "args": {...}, "context": {...}};
// "stopped" at the end. Warnings and a final "stats ..." line go to stderr.
// It stops cleanly on SIGTERM/SIGINT or when stdin is closed (exit 0); 1 when
// the server failed, 2 for bad arguments.
//
// Usage: rpc_test_server --url URL --topic T --server S [--exchange E]
//          [--version V] [--missing-reply-timeout-ms N] [--workers N]
// --missing-reply-timeout-ms shortens how long a reply to a missing reply
// queue is retried (oslo's 60 s by default); --workers sets the handler
// threads (RpcServerOptions' default, 4, when absent).
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "rpc/rpc_server.h"
#include "rpc/transport_url.h"

namespace {

using rpc::CallInput;
using rpc::HandlerResult;

// Writes one line per invocation; handlers run on Run's thread only, the
// mutex keeps lines whole against the waiter thread's "stopped".
class InvocationLog {
 public:
  void Record(const CallInput& input) {
    rpc::PythonJsonObjectWriter line;
    line.String("kind", input.request.msg_id ? "call" : "cast")
        .String("method", input.request.method)
        .TrustedJson("args", input.request.args_json)
        .TrustedJson("context", input.context_json);
    auto text = std::move(line).Finish();
    std::lock_guard lock(mutex_);
    std::cout << (text.ok() ? *text : "{\"error\": \"unprintable invocation\"}") << std::endl;
  }

 private:
  std::mutex mutex_;
};

HandlerResult MissingArgument(std::string_view method, std::string_view name) {
  return HandlerResult::Raise(rpc::MakeRemoteFailure(
      "TypeError", "builtins",
      std::string(method) + "() missing 1 required positional argument: '" + std::string(name) + "'"));
}

rpc::Endpoint MainEndpoint(std::string version, InvocationLog& log) {
  rpc::Endpoint endpoint;
  endpoint.version = std::move(version);
  endpoint.methods["echo"] = [&log](const CallInput& input) {
    log.Record(input);
    const rpc::JsonPart* value = input.Arg("value");
    if (value == nullptr) return MissingArgument("echo", "value");
    return HandlerResult::Return(value->json);
  };
  endpoint.methods["fail"] = [&log](const CallInput& input) {
    log.Record(input);
    const rpc::JsonPart* message = input.Arg("message");
    if (message == nullptr) return MissingArgument("fail", "message");
    const rpc::JsonPart* class_name = input.Arg("class");
    const rpc::JsonPart* module = input.Arg("module");
    return HandlerResult::Raise(rpc::MakeRemoteFailure(
        class_name ? class_name->string_value : "BdmTestFailure",
        module ? module->string_value : "bdm_agent.rpc_test_server",
        message->kind == rpc::JsonKind::kString ? message->string_value : message->json));
  };
  endpoint.methods["sleep"] = [&log](const CallInput& input) {
    log.Record(input);
    const rpc::JsonPart* ms = input.Arg("ms");
    if (ms == nullptr) return MissingArgument("sleep", "ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(std::stoll(ms->json)));
    return HandlerResult::Return(ms->json);
  };
  return endpoint;
}

rpc::Endpoint NamespacedEndpoint(InvocationLog& log) {
  rpc::Endpoint endpoint;
  endpoint.namespace_ = "testns";
  endpoint.version = "2.0";
  endpoint.methods["ns_echo"] = [&log](const CallInput& input) {
    log.Record(input);
    const rpc::JsonPart* value = input.Arg("value");
    if (value == nullptr) return MissingArgument("ns_echo", "value");
    return HandlerResult::Return("{\"ns\": \"testns\", \"value\": " + value->json + "}");
  };
  return endpoint;
}

// Waits for SIGTERM/SIGINT (blocked in every thread, read via signalfd) or
// EOF on stdin, then requests the stop.
void WaitForStop(int signal_fd, std::stop_source stop) {
  pollfd fds[2] = {{signal_fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
  while (!stop.stop_requested()) {
    if (poll(fds, 2, 200) <= 0) continue;
    if (fds[0].revents != 0) break;
    if (fds[1].revents != 0) {
      char buffer[256];
      if (read(STDIN_FILENO, buffer, sizeof buffer) <= 0) break;
    }
  }
  stop.request_stop();
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {{"--exchange", "nova"}, {"--version", "1.3"}};
  for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  if (argc % 2 == 0 || !flags.count("--url") || !flags.count("--topic") || !flags.count("--server")) {
    std::cerr << "rpc_test_server: error: usage: rpc_test_server --url URL --topic T --server S [options]\n";
    return 2;
  }
  auto url = rpc::ParseTransportUrl(flags["--url"], "--url");
  auto connect = url.ok() ? rpc::ConnectOptionsFromUrl(*url, rpc::TlsOptions{})
                          : base::Result<rpc::AmqpConnectOptions>(url.error());
  if (!connect.ok()) {
    std::cerr << "rpc_test_server: error: " << connect.error().ToString() << "\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);

  std::mt19937_64 rng(std::random_device{}());
  connect->connection_name = rpc::OsloConnectionName("rpc_test_server", rng);
  rpc::RpcServerOptions options;
  options.connect = *connect;
  options.topology.control_exchange = flags["--exchange"];
  if (flags.count("--missing-reply-timeout-ms")) {
    options.missing_reply_queue_timeout = std::chrono::milliseconds(std::stoll(flags["--missing-reply-timeout-ms"]));
  }
  if (flags.count("--workers")) options.workers = std::stoul(flags["--workers"]);
  options.log = [](std::string_view line) { std::cerr << "rpc_test_server: warning: " << line << std::endl; };
  InvocationLog log;
  rpc::RpcDispatcher dispatcher({MainEndpoint(flags["--version"], log), NamespacedEndpoint(log)});
  auto server = rpc::RpcServer::Start(options, {"", flags["--topic"], flags["--server"]}, std::move(dispatcher));
  if (!server.ok()) {
    std::cerr << "rpc_test_server: error: " << server.error().ToString() << "\n";
    return 1;
  }
  std::cout << "ready " << server->fanout_queue() << std::endl;

  std::stop_source stop;
  std::thread waiter(WaitForStop, signal_fd, stop);
  base::Status status = server->Run(stop.get_token());
  stop.request_stop();
  waiter.join();
  base::Status closed = server->Close();
  const rpc::ServerStats& stats = server->stats();
  std::cerr << "stats calls=" << stats.calls << " casts=" << stats.casts << " replies=" << stats.replies_sent
            << " dropped=" << stats.replies_dropped << " duplicates=" << stats.duplicates
            << " malformed=" << stats.malformed << " reconnects=" << stats.reconnects << std::endl;
  close(signal_fd);
  if (!status.ok()) {
    std::cerr << "rpc_test_server: error: " << status.ToString() << "\n";
    return 1;
  }
  std::cout << "stopped" << std::endl;
  return closed.ok() ? 0 : 1;
}

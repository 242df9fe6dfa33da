#include "agent/commands/serve.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <condition_variable>
#include <optional>
#include <random>
#include <stop_token>
#include <thread>
#include <vector>

#include "agent/commands/cli.h"
#include "agent/commands/get_connector.h"
#include "agent/config/rpc_client_options.h"
#include "agent/exit_codes.h"
#include "agent/host/my_ip.h"
#include "agent/serve/endpoint.h"
#include "agent/serve/oslo_refresh_events.h"
#include "agent/serve/serve_state.h"
#include "agent/serve/systemd_notify.h"
#include "agent/signal_waiter.h"
#include "rpc/reconnect_schedule.h"
#include "rpc/rpc_server.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "serve [--topic T] [--host H] [--workers N] [--log-file FILE]\n"
    "\n"
    "An oslo.messaging RPC server on nova.conf's transport_url: queues <topic>, <topic>.<host> and a fanout\n"
    "queue on control_exchange; namespace bdm_agent, version 1.1: ping, show, get_connector, refresh\n"
    "(and oslo's oslo_rpc_server_ping when [DEFAULT] rpc_ping_enabled is true).\n"
    "One thread keeps the broker connection (heartbeats are answered however long a request runs, and a\n"
    "call that set call_monitor_timeout gets oslo's call-monitor heartbeats); requests run on --workers\n"
    "threads, at most 2 x workers taken from the broker at a time. A second refresh of an instance that is\n"
    "being refreshed fails at once (RefreshInProgress). Messages are acked once handled.\n"
    "SIGTERM/SIGINT: stop consuming, let requests in flight finish for up to [bdm_agent]\n"
    "graceful_shutdown_timeout seconds (60), then stop; what did not finish is left unacked for the next\n"
    "server, and a refresh cut short keeps its journal (bdm-agent recover). SIGHUP re-reads the configuration.";

po::options_description ServeOptions() {
  po::options_description options("serve options");
  options.add_options()
      ("topic", po::value<std::string>(), "the RPC topic (default [bdm_agent] topic, else bdm_agent)")
      ("host", po::value<std::string>(), "the server name: queue <topic>.<host> (default [bdm_agent] host, else [DEFAULT] host)")
      ("workers", po::value<int>(), "handler threads, 1-64 (default [bdm_agent] workers, else 4)")
      ("log-file", po::value<std::string>(), "append the log here instead of stderr (reopened on SIGHUP)")
      ("help,h", "print this help");
  return options;
}

// Nova's options (with my_ip computed as Nova computes it) and the serve settings.
base::Result<serve::ServeConfig> LoadServeConfig(const CommandEnv& env, const serve::ServeOverrides& overrides) {
  const host::HostPaths paths;
  BASE_TRY_ASSIGN(config::NovaConfig nova, LoadConfigWithMyIp(env.global.config, host::NovaDefaultMyIp(paths)));
  BASE_TRY_ASSIGN(serve::ServeSettings settings, serve::LoadServeSettings(nova, overrides));
  return serve::ServeConfig{std::move(nova), std::move(settings)};
}

// SIGHUP: read the configuration again; what needs new queues or a new
// connection is kept until a restart, and said so.
void Reload(const CommandEnv& env, const serve::ServeOverrides& overrides, serve::ServeState& state, const Log& log) {
  auto fresh = LoadServeConfig(env, overrides);
  if (!fresh.ok()) {
    log.Error("SIGHUP: the configuration does not load, keeping the running one: " + fresh.error().message());
    return;
  }
  const std::shared_ptr<const serve::ServeConfig> running = state.Config();
  const auto& was = running->settings;
  const auto& now = fresh->settings;
  if (was.topic != now.topic || was.host != now.host || was.workers != now.workers ||
      was.graceful_shutdown_timeout != now.graceful_shutdown_timeout || was.rpc_ping_enabled != now.rpc_ping_enabled ||
      running->nova.transport_url != fresh->nova.transport_url ||
      running->nova.control_exchange != fresh->nova.control_exchange) {
    log.Warning("SIGHUP: topic, host, workers, graceful_shutdown_timeout, rpc_ping_enabled, transport_url and "
                "control_exchange change only on a restart; the running values stay");
    fresh->settings.topic = was.topic;
    fresh->settings.host = was.host;
    fresh->settings.workers = was.workers;
    fresh->settings.graceful_shutdown_timeout = was.graceful_shutdown_timeout;
    fresh->settings.rpc_ping_enabled = was.rpc_ping_enabled;
  }
  state.Reload(std::move(*fresh));
  log.Info("SIGHUP: configuration reloaded (requests that start now use it)");
}

// Waits `delay` or until a stop is requested; false when stopped.
bool SleepUnlessStopped(std::stop_token stop, std::chrono::milliseconds delay) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  return !wake.wait_for(lock, stop, delay, [] { return false; }) && !stop.stop_requested();
}

}  // namespace

int RunServe(const std::vector<std::string>& args, const CommandEnv& env) {
  const po::options_description options = ServeOptions();
  auto parsed = ParseCommand("serve", kUsage, args, options, "", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const po::variables_map& vm = std::get<po::variables_map>(parsed);
  serve::ServeOverrides overrides;
  if (vm.count("topic")) overrides.topic = vm["topic"].as<std::string>();
  if (vm.count("host")) overrides.host = vm["host"].as<std::string>();
  if (vm.count("workers")) overrides.workers = vm["workers"].as<int>();

  std::FILE* log_stream = stderr;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> log_file(nullptr, &std::fclose);
  const std::optional<std::string> log_path =
      vm.count("log-file") ? std::optional(vm["log-file"].as<std::string>()) : std::nullopt;
  if (log_path) {
    log_file.reset(std::fopen(log_path->c_str(), "ae"));
    if (!log_file) {
      env.log.Error("--log-file " + *log_path + ": " + std::strerror(errno));
      return exit_code::kConfig;
    }
    log_stream = log_file.get();
  }
  const Log log(env.global.debug, log_stream, LogStyle::kService);

  auto loaded = LoadServeConfig(env, overrides);
  if (!loaded.ok()) {
    log.Error(loaded.error().message());
    return exit_code::kConfig;
  }
  std::mt19937_64 rng(std::random_device{}());
  auto client_options = config::RpcClientOptionsFromConfig(loaded->nova, "bdm-agent", rng);
  if (!client_options.ok()) {
    log.Error(client_options.error().message());
    return exit_code::kConfig;
  }
  const serve::ServeSettings settings = loaded->settings;
  auto events = serve::MakeRefreshEvents(loaded->nova, settings.host, log);
  if (!events.ok()) {
    log.Error(events.error().message());
    return exit_code::kConfig;
  }
  serve::ServeState state(std::move(*loaded), log, env.hooks, **events);

  std::stop_source stop;
  // From here on SIGTERM/SIGINT stop the service and SIGHUP reloads it.
  const SignalWaiter signals({SIGINT, SIGTERM, SIGHUP}, [&](int signal) {
    if (signal == SIGHUP) {
      if (log_path && std::freopen(log_path->c_str(), "ae", log_stream) == nullptr) {
        std::fprintf(stderr, "bdm-agent: error: --log-file %s cannot be reopened\n", log_path->c_str());
      }
      Reload(env, overrides, state, log);
      return;
    }
    if (!stop.stop_requested()) {
      log.Info(std::string(signal == SIGINT ? "SIGINT" : "SIGTERM") +
               " received: stopping (requests in flight finish first)");
      (void)serve::NotifySystemd("STOPPING=1");
    }
    stop.request_stop();
  });

  rpc::RpcServerOptions server_options;
  server_options.connect = client_options->connect;
  server_options.topology = client_options->topology;
  server_options.retry = client_options->retry;
  server_options.log = [&log](std::string_view line) { log.Warning(line); };
  server_options.workers = static_cast<std::size_t>(settings.workers);
  server_options.prefetch = static_cast<std::uint16_t>(settings.workers * 2);
  server_options.graceful_shutdown_timeout = settings.graceful_shutdown_timeout;
  const rpc::RpcTarget target{"", settings.topic, settings.host};
  // oslo's own ping when [DEFAULT] rpc_ping_enabled (read once: a change needs a restart).
  const auto endpoints = [&] {
    std::vector<rpc::Endpoint> list{serve::MakeEndpoint(state)};
    if (settings.rpc_ping_enabled) list.push_back(rpc::OsloPingEndpoint());
    return list;
  };
  rpc::ReconnectSchedule schedule(server_options.retry);
  std::optional<rpc::RpcServer> server;
  while (!server) {
    auto started = rpc::RpcServer::Start(server_options, target, rpc::RpcDispatcher(endpoints()));
    if (started.ok()) {
      server.emplace(std::move(*started));
      break;
    }
    const base::Code code = started.error().code();
    if (code != base::Code::kUnavailable && code != base::Code::kTimeout) {
      log.Error("cannot serve: " + started.error().message());
      return code == base::Code::kInvalidInput ? exit_code::kConfig : exit_code::kRefreshBrokerUnavailable;
    }
    const auto delay = schedule.NextDelay();
    log.Warning("the broker is not reachable (" + started.error().message() + "); trying again in " +
                std::to_string(delay.count()) + " ms");
    if (!SleepUnlessStopped(stop.get_token(), delay)) return exit_code::kOk;
  }
  log.Info("serving topic " + settings.topic + " as " + settings.host + " (queues " + settings.topic + ", " +
           settings.topic + "." + settings.host + ", " + server->fanout_queue() + "), namespace " +
           std::string(serve::kNamespace) + " " + std::string(serve::kVersion));
  if (base::Status notified = serve::NotifySystemd("READY=1"); !notified.ok()) log.Warning(notified.message());

  const base::Status ran = server->Run(stop.get_token());
  (void)server->Close();
  if (server->stats().abandoned != 0) {
    log.Warning(std::to_string(server->stats().abandoned) +
                " request(s) did not finish and were left unacked (logged above); the broker hands them to "
                "another server. A refresh cut short stopped at a step boundary and kept its journal in "
                "[bdm_agent] state_dir: the next refresh of that instance, or `bdm-agent recover`, completes it");
  }
  if (!ran.ok()) {
    log.Error("stopped serving: " + ran.message());
    return exit_code::kRefreshBrokerUnavailable;
  }
  log.Info("stopped");
  return exit_code::kOk;
}

}  // namespace agent::commands

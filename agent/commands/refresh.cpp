#include "agent/commands/refresh.h"

#include <chrono>
#include <cstdio>
#include <optional>

#include "agent/commands/cli.h"
#include "agent/commands/nova_session.h"
#include "agent/commands/refresh_batch.h"
#include "agent/commands/refresh_runner.h"
#include "agent/exit_codes.h"
#include "agent/interrupt.h"
#include "agent/peer_time.h"
#include "agent/refresh/connector_file.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "refresh [options] BDM_UUID --connector FILE\n"
    "       bdm-agent refresh [options] --instance INSTANCE_UUID --volume VOLUME_ID --connector FILE\n"
    "       bdm-agent refresh [options] INSTANCE_UUID VOLUME_ID CONNECTOR_FILE   (nova-manage's form)\n"
    "       bdm-agent refresh [options] (--host H | --cell C)... [--all-stale [--class LIST]] [--connector-dir DIR]\n"
    "                         [--workers N] [--per-host N] [--dry-run] [--yes] [--json]   (a batch)\n"
    "       bdm-agent refresh [options] --from-audit FILE [--class LIST] ...\n"
    "       bdm-agent refresh [options] --resume RUN_ID\n"
    "       a batch with --via-rpc [--outcome-timeout S] [--takeover-after S]: cast each BDM to the serve\n"
    "       agents of [bdm_agent] topic; outcomes from their notifications";

struct RefreshArguments {
  RefreshRequest request;
  std::string connector_path;
  bool timings = false;
};

po::options_description RefreshOptions() {
  po::options_description options("refresh options");
  options.add_options()
      ("instance", po::value<std::string>(), "instance UUID (with --volume)")
      ("volume", po::value<std::string>(), "volume ID (with --instance)")
      ("connector", po::value<std::string>(), "the compute host's connector JSON (bdm-agent get-connector); - reads stdin")
      ("allow-hypervisor-type", po::value<std::vector<std::string>>()->composing(),
       "also accept compute nodes of this hypervisor_type (repeatable; e.g. fake for a test stack)")
      ("state-dir", po::value<std::string>(), "where refresh journals live (default [bdm_agent] state_dir, else /var/lib/bdm-agent)")
      ("dry-run", "check everything and print the plan; change nothing")
      ("timings", "print a last line 'timing: wall <ms> ms, database <ms> ms, broker <ms> ms, cinder <ms> ms, "
                  "keystone <ms> ms (<n> token requests), own <ms> ms': the command's wall time, the time spent "
                  "waiting on each peer, and the rest")
      ("help,h", "print this help");
  AddBatchRefreshOptions(options);
  options.add_options()("args", po::value<std::vector<std::string>>()->composing(), "positional");
  return options;
}

base::Result<RefreshArguments> ParseRefresh(const po::variables_map& vm) {
  RefreshArguments a;
  auto positional = vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>();
  if (positional.size() > 3) return base::Status::InvalidInput("too many arguments");
  if (vm.count("connector")) {
    a.connector_path = vm["connector"].as<std::string>();
  } else if (positional.size() == 3) {
    a.connector_path = positional.back();
    positional.pop_back();
  } else {
    return base::Status::InvalidInput("--connector FILE is required");
  }
  BASE_TRY_ASSIGN(a.request.selection, ParseBdmSelection(vm, positional));
  if (vm.count("state-dir")) a.request.state_dir = vm["state-dir"].as<std::string>();
  if (vm.count("allow-hypervisor-type")) {
    a.request.allowed_hypervisor_types = vm["allow-hypervisor-type"].as<std::vector<std::string>>();
  }
  a.request.dry_run = vm.count("dry-run") ? refresh::DryRun::kYes : refresh::DryRun::kNo;
  a.timings = vm.count("timings") > 0;
  return a;
}

// One refresh command: its request, then the timing line when asked for.
class RefreshCommand {
 public:
  RefreshCommand(RefreshArguments arguments, const CommandEnv& env) : a_(std::move(arguments)), env_(env) {}

  int Run() {
    const auto start = std::chrono::steady_clock::now();
    const int code = Execute();
    if (a_.timings || env_.log.debug_enabled()) PrintTimings(std::chrono::steady_clock::now() - start);
    return code;
  }

 private:
  int Execute();
  void PrintTimings(std::chrono::steady_clock::duration wall) const;

  RefreshArguments a_;
  const CommandEnv& env_;
  PeerTimes peer_times_;                       // lent to every adapter the refresh opens
  std::optional<InterruptWatcher> interrupt_;  // from the first possible change on
};

// Adapters are destroyed when Execute() returns, so closing connections is
// part of the wall time; it is not peer time (nothing waits for an answer
// but the AMQP close handshake).
void RefreshCommand::PrintTimings(std::chrono::steady_clock::duration wall) const {
  const auto ms = [](std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  const PeerTimes& t = peer_times_;
  const double own =
      ms(wall) - ms(t.database.total) - ms(t.broker.total) - ms(t.cinder.total) - ms(t.keystone.total);
  char line[256];
  std::snprintf(line, sizeof line,
                "timing: wall %.1f ms, database %.1f ms, broker %.1f ms, cinder %.1f ms, keystone %.1f ms "
                "(%d token requests), own %.1f ms",
                ms(wall), ms(t.database.total), ms(t.broker.total), ms(t.cinder.total), ms(t.keystone.total),
                t.keystone.calls, own);
  if (a_.timings) std::fprintf(env_.out, "%s\n", line);
  char detail[160];
  std::snprintf(detail, sizeof detail, " (own includes %.1f ms in %d journal syncs; %d database, %d broker, %d cinder calls)",
                ms(t.journal_sync.total), t.journal_sync.calls, t.database.calls, t.broker.calls, t.cinder.calls);
  env_.log.Debug(std::string(line) + detail);
}

int RefreshCommand::Execute() {
  // The connector file first, as nova-manage reads it (exit 2 or 3 before anything else).
  auto read = refresh::ReadConnector(a_.connector_path);
  if (auto* error = std::get_if<refresh::ConnectorError>(&read)) {
    env_.log.Error(error->status.message());
    return error->kind == refresh::ConnectorFailure::kMissing ? exit_code::kRefreshConnectorMissing
                                                              : exit_code::kRefreshConnectorInvalid;
  }
  auto session = OpenNovaSession(env_, &peer_times_.database);
  if (!session.ok()) {
    env_.log.Error(session.error().message());
    return exit_code::kConfig;
  }
  const ConnectorSource connector = [&read](const std::string&) { return read; };
  const RefreshContext context{env_.log, &peer_times_, env_.hooks, [this]() -> const StopRequest* {
                                 // SIGINT/SIGTERM now stop the refresh at a step boundary.
                                 return &interrupt_.emplace(env_.log);
                               }};
  return RunRefreshRequest(a_.request, connector, *session, context).Print(env_.out, env_.log);
}

}  // namespace

int RunRefresh(const std::vector<std::string>& args, const CommandEnv& env) {
  const po::options_description options = RefreshOptions();
  auto parsed = ParseCommand("refresh", kUsage, args, options, "args", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const po::variables_map& vm = std::get<po::variables_map>(parsed);
  if (IsBatchRefresh(vm)) return RunBatchRefresh(vm, env);
  auto arguments = ParseRefresh(vm);
  if (!arguments.ok()) return UsageError("refresh", arguments.error().message(), env);
  return RefreshCommand(std::move(*arguments), env).Run();
}

}  // namespace agent::commands

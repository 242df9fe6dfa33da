#include "agent/commands/refresh.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "agent/commands/cli.h"
#include "agent/commands/refresh_setup.h"
#include "agent/db/bdm_locator.h"
#include "agent/db/mysql_nova_database.h"
#include "agent/exit_codes.h"
#include "agent/peer_time.h"
#include "agent/refresh/compute_link.h"
#include "agent/refresh/connector_file.h"
#include "agent/refresh/prerequisites.h"
#include "agent/refresh/reconcile.h"
#include "agent/refresh/refresh_begin.h"
#include "proto_compat/request_context.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;
using refresh::CheckFailure;

constexpr const char* kUsage =
    "refresh [options] BDM_UUID --connector FILE\n"
    "       bdm-agent refresh [options] --instance INSTANCE_UUID --volume VOLUME_ID --connector FILE\n"
    "       bdm-agent refresh [options] INSTANCE_UUID VOLUME_ID CONNECTOR_FILE   (nova-manage's form)";

struct RefreshRequest {
  std::string bdm_uuid, instance_uuid, volume_id, connector_path;
  std::optional<std::string> state_dir;
  std::vector<std::string> allowed_hypervisor_types;
  bool dry_run = false;
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
                  "own <ms> ms': the command's wall time, the time spent waiting on each peer, and the rest")
      ("help,h", "print this help");
  options.add_options()("args", po::value<std::vector<std::string>>()->composing(), "positional");
  return options;
}

base::Result<RefreshRequest> ParseRefresh(const po::variables_map& vm) {
  RefreshRequest r;
  auto positional = vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>();
  if (vm.count("connector")) {
    r.connector_path = vm["connector"].as<std::string>();
  } else if (positional.size() == 3) {
    r.connector_path = positional.back();
    positional.pop_back();
  } else {
    return base::Status::InvalidInput("--connector FILE is required");
  }
  BASE_TRY_ASSIGN(BdmSelection selection, ParseBdmSelection(vm, positional));
  r.bdm_uuid = std::move(selection.bdm_uuid);
  r.instance_uuid = std::move(selection.instance_uuid);
  r.volume_id = std::move(selection.volume_id);
  if (vm.count("state-dir")) r.state_dir = vm["state-dir"].as<std::string>();
  if (vm.count("allow-hypervisor-type")) {
    r.allowed_hypervisor_types = vm["allow-hypervisor-type"].as<std::vector<std::string>>();
  }
  r.dry_run = vm.count("dry-run") > 0;
  r.timings = vm.count("timings") > 0;
  return r;
}

int ExitCodeForLocate(db::LocateFailure failure, const base::Status& status) {
  return exit_code::ForLocate(failure, status, exit_code::kRefreshInstanceNotFound, exit_code::kRefreshBdmNotFound);
}

int ExitCodeForCheck(CheckFailure failure) {
  switch (failure) {
    case CheckFailure::kNotVolumeBdm: return exit_code::kRefreshNotVolumeBdm;
    case CheckFailure::kNotStopped: return exit_code::kRefreshInstanceState;
    case CheckFailure::kTaskInProgress: return exit_code::kRefreshTaskInProgress;
    case CheckFailure::kLocked: return exit_code::kRefreshInstanceLocked;
    case CheckFailure::kNoHost:
    case CheckFailure::kNotLibvirt: return exit_code::kRefreshNotLibvirt;
    case CheckFailure::kHostConflict: return exit_code::kRefreshHostConflict;
  }
  return exit_code::kUnexpected;
}

// One refresh: the command's state between its phases.
class RefreshCommand {
 public:
  RefreshCommand(RefreshRequest request, const CommandEnv& env) : r_(std::move(request)), env_(env) {}

  // Execute(), then the timing line when asked for (whatever the outcome).
  int Run();

 private:
  int Execute();
  void PrintTimings(std::chrono::steady_clock::duration wall) const;
  int Fail(int code, const std::string& message) {
    env_.log.Error(message);
    return code;
  }
  db::LocateResult Locate(db::NovaDatabase& nova_db) {
    return r_.bdm_uuid.empty() ? db::LocateVolumeBdm(nova_db, r_.instance_uuid, r_.volume_id, env_.log)
                               : db::LocateBdmByUuid(nova_db, r_.bdm_uuid, env_.log);
  }
  // Finishes an earlier refresh of the instance left in the journal (and
  // sets recovered_earlier_ when there was one).
  int RecoverEarlier(db::CellDatabase& cell, cinder::AttachmentApi& cinder, const std::string& instance_uuid);

  RefreshRequest r_;
  const CommandEnv& env_;
  RefreshSettings settings_;
  PeerTimes peer_times_;  // lent to every adapter Execute() opens
  bool recovered_earlier_ = false;
};

int RefreshCommand::Run() {
  const auto start = std::chrono::steady_clock::now();
  const int code = Execute();
  if (r_.timings || env_.log.debug_enabled()) PrintTimings(std::chrono::steady_clock::now() - start);
  return code;
}

// Adapters are destroyed when Execute() returns, so closing connections is
// part of the wall time; it is not peer time (nothing waits for an answer
// but the AMQP close handshake).
void RefreshCommand::PrintTimings(std::chrono::steady_clock::duration wall) const {
  const auto ms = [](std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  const PeerTimes& t = peer_times_;
  const double own = ms(wall) - ms(t.database.total) - ms(t.broker.total) - ms(t.cinder.total);
  char line[256];
  std::snprintf(line, sizeof line, "timing: wall %.1f ms, database %.1f ms, broker %.1f ms, cinder %.1f ms, own %.1f ms",
                ms(wall), ms(t.database.total), ms(t.broker.total), ms(t.cinder.total), own);
  if (r_.timings) std::fprintf(env_.out, "%s\n", line);
  char detail[160];
  std::snprintf(detail, sizeof detail, " (own includes %.1f ms in %d journal syncs; %d database, %d broker, %d cinder calls)",
                ms(t.journal_sync.total), t.journal_sync.calls, t.database.calls, t.broker.calls, t.cinder.calls);
  env_.log.Debug(std::string(line) + detail);
}

int RefreshCommand::RecoverEarlier(db::CellDatabase& cell, cinder::AttachmentApi& cinder,
                                   const std::string& instance_uuid) {
  auto earlier = refresh::RefreshJournal::Open(settings_.state_dir, instance_uuid);
  if (!earlier.ok()) return Fail(exit_code::ForJournalOpen(earlier.error()), earlier.error().message());
  if (!*earlier) return exit_code::kOk;
  recovered_earlier_ = true;
  env_.log.Warning("an earlier refresh of instance " + instance_uuid + " did not finish; recovering it first");
  const refresh::RefreshReport report = refresh::Reconcile(**earlier, {cell, cinder, env_.log});
  const int code = FinishReport(report, (*earlier)->state().begin, env_.out, env_.log);
  return report.outcome == refresh::Outcome::kNeedsRecovery ? code : exit_code::kOk;
}

int RefreshCommand::Execute() {
  auto connector_read = refresh::ReadConnector(r_.connector_path);
  if (auto* error = std::get_if<refresh::ConnectorError>(&connector_read)) {
    return Fail(error->kind == refresh::ConnectorFailure::kMissing ? exit_code::kRefreshConnectorMissing
                                                                   : exit_code::kRefreshConnectorInvalid,
                error->status.message());
  }
  const refresh::Connector connector = std::get<refresh::Connector>(std::move(connector_read));

  auto conf = config::LoadNovaConfig(env_.global.config);
  if (!conf.ok()) return Fail(exit_code::kConfig, conf.error().message());
  auto settings = LoadRefreshSettings(*conf, r_.state_dir, r_.allowed_hypervisor_types);
  if (!settings.ok()) return Fail(exit_code::kConfig, settings.error().message());
  settings_ = std::move(*settings);
  db::ConnectOptions connect;
  connect.peer_time = &peer_times_.database;
  db::MysqlNovaDatabase nova_db(
      {conf->api_database_connection.value_or(""), conf->database_connection.value_or(""), connect}, env_.log);

  db::LocateResult found = Locate(nova_db);
  if (!found.ok()) return Fail(ExitCodeForLocate(found.failure(), found.status()), found.status().message());
  db::CellDatabase& cell = *found.value().cell_db;
  const std::string instance_uuid = found.value().bdm.instance_uuid;

  std::mt19937_64 rng(std::random_device{}());
  const proto_compat::RequestContext action_context = proto_compat::MakeAdminContext(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()), rng);
  auto cinder = OpenCinder(*conf, action_context.request_id, &peer_times_.cinder);
  if (!cinder.ok()) {
    return Fail(cinder.error().code() == base::Code::kInvalidInput ? exit_code::kConfig
                                                                   : exit_code::kRefreshCinderUnavailable,
                cinder.error().message());
  }
  if (!r_.dry_run) {
    if (int code = RecoverEarlier(cell, **cinder, instance_uuid); code != exit_code::kOk) return code;
    if (recovered_earlier_) found = Locate(nova_db);  // recovery may have changed the BDM
    if (!found.ok()) return Fail(ExitCodeForLocate(found.failure(), found.status()), found.status().message());
  }
  const db::BlockDeviceMapping bdm = found.value().bdm;

  auto instance = cell.FindInstance(instance_uuid);
  if (!instance.ok()) return Fail(exit_code::ForDatabase(instance.error(), false), instance.error().message());
  if (!*instance) return Fail(exit_code::kRefreshInstanceNotFound, "Instance " + instance_uuid + " could not be found.");
  std::optional<std::string> hypervisor_type;
  if ((*instance)->host && (*instance)->node) {
    auto type = cell.ComputeNodeHypervisorType(*(*instance)->host, *(*instance)->node);
    if (!type.ok()) return Fail(exit_code::ForDatabase(type.error(), false), type.error().message());
    hypervisor_type = *type;
  }
  if (auto failed = refresh::CheckRefreshPrerequisites(
          {**instance, bdm, hypervisor_type, connector.host, settings_.allowed_hypervisor_types})) {
    return Fail(ExitCodeForCheck(failed->kind), failed->message);
  }

  auto volume = (*cinder)->GetVolume(*bdm.volume_id);
  if (!volume.ok()) {
    return Fail(volume.error().IsNotFound() ? exit_code::kRefreshCinderFailed : exit_code::kRefreshCinderUnavailable,
                volume.error().message());
  }
  auto plan = refresh::PlanComputeCall(nova_db, *conf, env_.log);
  if (!plan.ok()) {
    return Fail(plan.error().code() == base::Code::kInvalidInput ? exit_code::kConfig
                                                                 : exit_code::kRefreshComputeTooOld,
                plan.error().message());
  }

  const refresh::JournalBegin begin = refresh::MakeJournalBegin(found.value(), **instance, connector, *plan, conf->host,
                                                                 action_context.request_id, rng);

  if (r_.dry_run) {
    std::fprintf(env_.out,
                 "would refresh BDM %s (instance %s, volume %s, volume status %s)\n"
                 "  lock the instance: %s\n"
                 "  start instance action refresh_volume_attachment (%s)\n"
                 "  reserve a new Cinder attachment for the volume\n"
                 "  call remove_volume_connection %s on %s.%s (Instance %s%s)\n"
                 "%s"
                 "  update the new attachment with the connector of host %s (mountpoint %s)\n"
                 "  save attachment_id and connection_info on the BDM (id %lld), complete the attachment\n"
                 "  finish the action and unlock; journal in %s\n",
                 bdm.uuid.value_or("-").c_str(), instance_uuid.c_str(), begin.volume_id.c_str(), volume->status.c_str(),
                 begin.lock_reason.c_str(), begin.action_request_id.c_str(), plan->version.c_str(), plan->topic.c_str(),
                 begin.compute_host.c_str(), std::string(proto_compat::InstanceVersionName(plan->instance_version)).c_str(),
                 plan->delete_attachment ? ", delete_attachment=True" : "",
                 plan->delete_attachment || !bdm.attachment_id
                     ? ""
                     : ("  delete the old attachment " + *bdm.attachment_id + "\n").c_str(),
                 connector.host.c_str(), bdm.device_name.value_or("-").c_str(), static_cast<long long>(bdm.id),
                 settings_.state_dir.c_str());
    return exit_code::kOk;
  }

  auto compute = refresh::RpcComputeLink::Connect(*conf, *plan, env_.log, &peer_times_.broker);
  if (!compute.ok()) return Fail(exit_code::kRefreshBrokerUnavailable, compute.error().message());
  auto record = cell.LoadInstance(instance_uuid);
  if (!record.ok()) return Fail(exit_code::ForDatabase(record.error(), false), record.error().message());
  if (!*record) return Fail(exit_code::kRefreshInstanceNotFound, "Instance " + instance_uuid + " could not be found.");

  auto journal = refresh::RefreshJournal::Create(settings_.state_dir, begin, &peer_times_.journal_sync);
  if (!journal.ok()) {
    return Fail(journal.error().code() == base::Code::kFailedPrecondition ? exit_code::kRefreshAlreadyRunning
                                                                          : exit_code::kConfig,
                journal.error().message());
  }
  const char* crash_after = std::getenv("BDM_AGENT_TEST_CRASH_AFTER");  // crash tests only
  if (crash_after != nullptr && std::string_view(crash_after) == "begin") std::raise(SIGKILL);
  const refresh::RefreshReport report = refresh::RunRefresh(
      *journal, std::move(**record), *compute, {cell, **cinder, env_.log, crash_after ? crash_after : ""});
  return FinishReport(report, begin, env_.out, env_.log);
}

}  // namespace

int RunRefresh(const std::vector<std::string>& args, const CommandEnv& env) {
  const po::options_description options = RefreshOptions();
  auto parsed = ParseCommand("refresh", kUsage, args, options, "args", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const po::variables_map& vm = std::get<po::variables_map>(parsed);
  auto request = ParseRefresh(vm);
  if (!request.ok()) return UsageError("refresh", request.error().message(), env);
  return RefreshCommand(std::move(*request), env).Run();
}

}  // namespace agent::commands

#include "agent/commands/refresh_batch.h"

#include "agent/commands/refresh_batch_args.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/cinder/cinder_client.h"
#include "agent/commands/cli.h"
#include "agent/commands/nova_session.h"
#include "agent/commands/refresh_setup.h"
#include "agent/exit_codes.h"
#include "agent/fleet/audit_file.h"
#include "agent/fleet/audit_reads.h"
#include "agent/fleet/batch_plan.h"
#include "agent/fleet/batch_run.h"
#include "agent/fleet/batch_via_rpc.h"
#include "agent/fleet/host_connectors.h"
#include "agent/interrupt.h"
#include "agent/rapidjson_strings.h"
#include "agent/serve/connector_fetch.h"
#include "agent/serve/serve_settings.h"
#include "agent/terminal_text.h"
#include "agent/text_table.h"
#include "proto_compat/request_context.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

// One batch refresh command.
class BatchCommand {
 public:
  BatchCommand(BatchArguments a, const CommandEnv& env) : a_(std::move(a)), env_(env) {}
  int Run();

 private:
  int Fail(int code, const std::string& message) {
    env_.log.Error(message);
    return code;
  }
  // The plan from the databases (and Cinder, for --all-stale); or an exit code.
  std::variant<std::vector<fleet::PlannedBdm>, int> MakePlan(NovaSession& session);
  int DryRun(const std::vector<fleet::PlannedBdm>& plan);
  bool Confirmed(const fleet::PlanSize& size);
  void Ended(const fleet::RunBdm& bdm, const RefreshEnding& ending);
  void PrintSummary(const fleet::RunState& state) const;
  base::Result<std::shared_ptr<const cinder::CinderAccess>> Cinder(const cinder::CinderSession& session);

  BatchArguments a_;
  const CommandEnv& env_;
  std::optional<config::NovaConfig> conf_;
  std::shared_ptr<const cinder::CinderAccess> cinder_;
  std::mutex cinder_mutex_;
  std::mt19937_64 rng_{std::random_device{}()};
  // Progress, updated as BDMs end (under RunBatch's serialisation).
  std::size_t total_ = 0, done_ = 0, failed_ = 0;
  Clock::time_point start_ = Clock::now();
  bool tty_ = isatty(STDERR_FILENO) == 1;
};

// One CinderAccess (settings, endpoint, tokens) for the whole run, opened by
// the first refresh (or the plan) that needs it.
base::Result<std::shared_ptr<const cinder::CinderAccess>> BatchCommand::Cinder(const cinder::CinderSession& session) {
  std::lock_guard lock(cinder_mutex_);
  if (!cinder_) {
    BASE_TRY_ASSIGN(cinder_, cinder::CinderAccess::Open(*conf_, session));
  }
  return cinder_;
}

std::variant<std::vector<fleet::PlannedBdm>, int> BatchCommand::MakePlan(NovaSession& session) {
  if (a_.from_audit) {
    auto plan = fleet::ReadAuditPlan(*a_.from_audit, a_.classes);
    if (!plan.ok()) {
      return Fail(plan.error().code() == base::Code::kCorrupt ? exit_code::kCorruptData : exit_code::kTraceInputFile,
                  plan.error().message());
    }
    return std::move(*plan);
  }
  auto all_cells = session.nova_db->ListCellMappings();
  if (!all_cells.ok()) return Fail(exit_code::ForDatabase(all_cells.error(), true), all_cells.error().message());
  auto cells = fleet::SelectCells(*all_cells, a_.cells);
  if (!cells.ok()) return UsageError("refresh", cells.error().message(), env_);
  db::InstanceFilter filter;
  filter.hosts = a_.hosts;
  auto nova = fleet::ReadNovaSide(*session.nova_db, *cells, filter, std::nullopt);
  if (!nova.ok()) return Fail(exit_code::ForDatabase(nova.error(), false), nova.error().message());
  if (!a_.all_stale) return fleet::PlanAll(nova->bdms);

  const proto_compat::RequestContext context = proto_compat::MakeAdminContext(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()), rng_);
  const cinder::CinderSession cinder_session = cinder::CinderSession::ForContext(context);
  auto access = Cinder(cinder_session);
  auto api = access.ok() ? (*access)->NewClient(cinder_session)
                         : base::Result<std::unique_ptr<cinder::AttachmentApi>>(access.error());
  if (!api.ok()) {
    return Fail(api.error().code() == base::Code::kInvalidInput ? exit_code::kConfig
                                                               : exit_code::kRefreshCinderUnavailable,
                api.error().message());
  }
  auto cinder_side = fleet::ReadCinderSide(**api);
  if (!cinder_side.ok()) return Fail(exit_code::kRefreshCinderUnavailable, cinder_side.error().message());
  fleet::AuditInput input{std::move(nova->bdms), std::move(nova->instances), std::move(cinder_side->attachments),
                          std::move(cinder_side->volumes), std::nullopt};
  return fleet::PlanByClass(fleet::ClassifyAudit(input), a_.classes);
}

bool BatchCommand::Confirmed(const fleet::PlanSize& size) {
  if (a_.yes) return true;
  if (isatty(STDIN_FILENO) != 1) {
    env_.log.Error("refresh: a batch asks before it starts; give --yes when standard input is not a terminal");
    return false;
  }
  std::fprintf(stderr, "refresh %zu BDM(s) of %zu instance(s) on %zu host(s)? [y/N] ", size.bdms, size.instances,
               size.hosts);
  std::fflush(stderr);
  char answer[8] = {};
  if (std::fgets(answer, sizeof answer, stdin) == nullptr) return false;
  return answer[0] == 'y' || answer[0] == 'Y';
}

void BatchCommand::Ended(const fleet::RunBdm& bdm, const RefreshEnding& ending) {
  ++done_;
  const auto outcome = fleet::BatchOutcomeByName(bdm.outcome);
  if (outcome && fleet::IsFailure(*outcome)) ++failed_;
  if (a_.json) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto put = [&w](std::string_view key, std::string_view value) {
      WriteJsonKey(w, key);
      WriteJsonString(w, value);
    };
    w.StartObject();
    put("bdm_uuid", bdm.plan.bdm_uuid.value_or(""));
    put("instance_uuid", bdm.plan.instance_uuid);
    put("volume_id", bdm.plan.volume_id);
    put("host", bdm.plan.host);
    put("reason", bdm.plan.reason);
    put("outcome", bdm.outcome);
    w.Key("exit");
    w.Int(ending.code);
    put("detail", bdm.detail);
    w.EndObject();
    std::fprintf(env_.out, "%s\n", AsciiJson(std::string_view(buffer.GetString(), buffer.GetSize())).c_str());
    std::fflush(env_.out);
  } else if (outcome && *outcome != fleet::BatchOutcome::kRefreshed) {
    env_.log.Warning("BDM " + bdm.plan.bdm_uuid.value_or(std::to_string(bdm.plan.bdm_id)) + " (instance " +
                     bdm.plan.instance_uuid + "): " + bdm.outcome + (bdm.detail.empty() ? "" : ": " + bdm.detail));
  }
  if (tty_) {
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
    std::fprintf(stderr, "\r%zu/%zu BDMs, %.1f/s, ETA %.0f s, %zu failed   ", done_, total_, rate, eta, failed_);
    if (done_ == total_) std::fputs("\n", stderr);
    std::fflush(stderr);
  }
}

void BatchCommand::PrintSummary(const fleet::RunState& state) const {
  const fleet::BatchTotals totals = fleet::TotalsOf(state);
  std::vector<std::vector<std::string>> rows;
  for (fleet::BatchOutcome o : fleet::kAllBatchOutcomes) {
    auto it = totals.outcomes.find(o);
    if (it != totals.outcomes.end()) rows.push_back({std::string(fleet::BatchOutcomeName(o)), std::to_string(it->second)});
  }
  if (totals.not_ended > 0) rows.push_back({"not run", std::to_string(totals.not_ended)});
  std::FILE* out = a_.json ? stderr : env_.out;
  std::fputs(RenderTable({"outcome", "BDMs"}, rows).c_str(), out);
  std::map<std::string, std::array<std::size_t, 4>> hosts;  // refreshed (or already), skipped, failed, not run
  for (const fleet::RunBdm& bdm : state.bdms) {
    auto& counts = hosts[bdm.plan.host];
    if (bdm.progress != fleet::BdmProgress::kEnded) {
      ++counts[3];
      continue;
    }
    const auto o = fleet::BatchOutcomeByName(bdm.outcome).value_or(fleet::BatchOutcome::kFailed);
    ++counts[fleet::IsFailure(o) ? 2 : o == fleet::BatchOutcome::kSkipped ? 1 : 0];
  }
  std::vector<std::vector<std::string>> host_rows;
  for (const auto& [host, c] : hosts) {
    host_rows.push_back({EscapeControls(host.empty() ? "(none)" : host), std::to_string(c[0]), std::to_string(c[1]),
                         std::to_string(c[2]), std::to_string(c[3])});
  }
  std::fputs(RenderTable({"host", "refreshed", "skipped", "failed", "not run"}, host_rows).c_str(), out);
}

int BatchCommand::DryRun(const std::vector<fleet::PlannedBdm>& plan) {
  // Each BDM's checks as a real run makes them, and the plan's lines; nothing is written.
  fleet::HostConnectors connectors(a_.connector_dir, nullptr);
  const ConnectorSource connector = [&connectors](const std::string& host) { return connectors.Get(host); };
  std::vector<std::string> hosts;
  for (const auto& b : plan) hosts.push_back(b.host);
  std::vector<std::string> verdicts(plan.size());
  std::vector<fleet::BatchWorker> workers(static_cast<std::size_t>(a_.workers));
  const cinder::CinderAccessSource cinder_access = [this](const config::NovaConfig&, const cinder::CinderSession& s) {
    return Cinder(s);
  };
  fleet::RunUnits(hosts, {a_.workers, a_.per_host}, [&](std::size_t i, int worker_index) {
    fleet::BatchWorker& worker = workers[static_cast<std::size_t>(worker_index)];
    NovaSession& session = worker.Session(*conf_, env_.log, nullptr);
    RefreshRequest request =
        fleet::RequestFor(plan[i], {{a_.workers, a_.per_host}, a_.state_dir, a_.allowed_hypervisor_types});
    request.dry_run = refresh::DryRun::kYes;
    const RefreshEnding ending = RunRefreshRequest(request, connector, session,
                                                   {env_.log, nullptr, env_.hooks, {}, cinder_access,
                                                    worker.compute_connection()});
    const auto outcome = fleet::OutcomeOf(ending);
    verdicts[i] = ending.code == exit_code::kOk ? (ending.attachment_changed ? "already refreshed" : "would refresh")
                                                : std::string(outcome ? fleet::BatchOutcomeName(*outcome) : "failed") +
                                                      " (" + std::to_string(ending.code) + "): " + ending.error;
  });
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const auto& b = plan[i];
    rows.push_back({b.bdm_uuid.value_or("id " + std::to_string(b.bdm_id)), b.instance_uuid, b.volume_id,
                    EscapeControls(b.host), b.reason, EscapeControls(verdicts[i])});
  }
  std::fputs(RenderTable({"BDM", "instance", "volume", "host", "reason", "verdict"}, rows).c_str(), env_.out);
  const fleet::PlanSize size = fleet::SizeOf(plan);
  std::fprintf(env_.out, "dry run: %zu BDM(s) of %zu instance(s) on %zu host(s); nothing was changed\n", size.bdms,
               size.instances, size.hosts);
  return exit_code::kOk;
}

int BatchCommand::Run() {
  auto conf = config::LoadNovaConfig(env_.global.config);
  if (!conf.ok()) return Fail(exit_code::kConfig, conf.error().message());
  conf_ = std::move(*conf);
  auto settings = LoadRefreshSettings(*conf_, a_.state_dir, a_.allowed_hypervisor_types);
  if (!settings.ok()) return Fail(exit_code::kConfig, settings.error().message());
  const std::string state_dir = settings->state_dir;
  if (a_.via_rpc && !a_.dry_run) {
    if (base::Status usable = fleet::CheckViaRpcConfig(*conf_); !usable.ok()) {
      return Fail(exit_code::kConfig, usable.message());
    }
  }

  std::optional<fleet::RunJournal> journal;
  if (a_.resume) {
    if (a_.dry_run) return UsageError("refresh", "--dry-run plans a new run; --resume continues one", env_);
    auto opened = fleet::RunJournal::Open(state_dir, *a_.resume);
    if (!opened.ok()) {
      const base::Code code = opened.error().code();
      return Fail(code == base::Code::kNotFound              ? exit_code::kUsage
                  : code == base::Code::kFailedPrecondition ? exit_code::kRefreshAlreadyRunning
                  : code == base::Code::kCorrupt            ? exit_code::kCorruptData
                                                            : exit_code::kConfig,
                  opened.error().message());
    }
    journal.emplace(std::move(*opened));
    // The run's own options, unless the command line gives others.
    const fleet::RunHeader& header = journal->state().header;
    a_.workers = header.workers;
    a_.per_host = header.per_host;
    if (!a_.connector_dir) a_.connector_dir = header.connector_dir;
    if (a_.allowed_hypervisor_types.empty()) a_.allowed_hypervisor_types = header.allowed_hypervisor_types;
    if (header.via_rpc && !a_.via_rpc && !a_.in_process) {  // a run cast to the agents goes on so
      a_.via_rpc = true;
      a_.outcome_timeout = std::chrono::seconds(header.via_rpc->outcome_timeout_s);
      a_.takeover_after = std::chrono::seconds(header.via_rpc->takeover_after_s);
      if (base::Status usable = fleet::CheckViaRpcConfig(*conf_); !usable.ok()) {
        return Fail(exit_code::kConfig, "run " + header.run_id + " was cast to the serve agents (--via-rpc): " +
                                            usable.message());
      }
    }
  } else {
    NovaSession session = MakeNovaSession(*conf_, env_.log);
    auto plan = MakePlan(session);
    if (const int* code = std::get_if<int>(&plan)) return *code;
    const auto& bdms = std::get<std::vector<fleet::PlannedBdm>>(plan);
    if (bdms.empty()) {
      std::fprintf(env_.out, "nothing to refresh: the selection holds no %s volume BDM\n",
                   a_.all_stale ? "matching" : "");
      return exit_code::kOk;
    }
    if (a_.dry_run) return DryRun(bdms);
    if (base::Status usable = refresh::CheckStateDir(state_dir); !usable.ok()) {
      return Fail(exit_code::kConfig, usable.message());
    }
    if (!Confirmed(fleet::SizeOf(bdms))) return exit_code::kUsage;
    fleet::RunHeader header;
    header.created = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    header.run_id = fleet::NewRunId(header.created, static_cast<std::uint32_t>(rng_()));
    header.selection = SelectionText(a_);
    header.workers = a_.workers;
    header.per_host = a_.per_host;
    header.connector_dir = a_.connector_dir;
    header.allowed_hypervisor_types = a_.allowed_hypervisor_types;
    if (a_.via_rpc) header.via_rpc = fleet::RunHeader::ViaRpc{a_.outcome_timeout.count(), a_.takeover_after.count()};
    auto created = fleet::RunJournal::Create(state_dir, header, bdms);
    if (!created.ok()) return Fail(exit_code::kConfig, created.error().message());
    journal.emplace(std::move(*created));
  }
  const fleet::RunState& state = journal->state();
  const fleet::PlanSize size = fleet::SizeOf([&] {
    std::vector<fleet::PlannedBdm> plan;
    for (const auto& b : state.bdms) plan.push_back(b.plan);
    return plan;
  }());
  total_ = fleet::TotalsOf(state).not_ended;
  env_.log.Info("run " + state.header.run_id + ": " + std::to_string(size.bdms) + " BDM(s) of " +
                std::to_string(size.instances) + " instance(s) on " + std::to_string(size.hosts) + " host(s), " +
                std::to_string(total_) + " to do; journal " + journal->path());

  // Ctrl-C once: no further BDM starts, those in flight finish; twice:
  // those in flight stop at their next step and roll back.
  InterruptWatcher interrupt(env_.log, {"no further BDM starts; the refreshes in flight finish (again to cut them short)",
                                        "the refreshes in flight stop at their next step and roll back"});
  auto serve_settings = serve::LoadServeSettings(*conf_, {});
  if (!serve_settings.ok()) return Fail(exit_code::kConfig, serve_settings.error().message());
  const std::string topic = serve_settings->topic;
  std::mutex rng_mutex;
  fleet::HostConnectors connectors(a_.connector_dir, [&](const std::string& host) -> fleet::ConnectorLookup {
    std::optional<rpc::RpcClient> client;  // one per host asked: hosts are asked at once
    std::mt19937_64 rng;
    {
      std::lock_guard lock(rng_mutex);
      rng.seed(rng_());
    }
    return serve::AskConnector(client, {*conf_, topic, rng, nullptr}, host, env_.log);
  });
  const ConnectorSource connector = [&connectors](const std::string& host) { return connectors.Get(host); };
  const cinder::CinderAccessSource cinder_access = [this](const config::NovaConfig&, const cinder::CinderSession& s) {
    return Cinder(s);
  };
  start_ = Clock::now();
  const fleet::BdmEnded ended = [this](std::size_t, const fleet::RunBdm& bdm, const RefreshEnding& ending) {
    Ended(bdm, ending);
  };
  // --via-rpc: the connector of --connector-dir travels in the cast; without one the agent asks the host.
  fleet::HostConnectors files(a_.connector_dir, nullptr);
  const fleet::CastConnector cast_connector = [&](const std::string& host) -> std::optional<fleet::ConnectorLookup> {
    if (!a_.connector_dir) return std::nullopt;
    fleet::ConnectorLookup found = files.Get(host);
    const auto* missing = std::get_if<refresh::ConnectorError>(&found);
    if (missing != nullptr && missing->kind == refresh::ConnectorFailure::kMissing) return std::nullopt;
    return found;
  };
  auto totals =
      a_.via_rpc
          ? fleet::RunBatchViaRpc(*journal, {{a_.workers, a_.per_host}, topic, a_.outcome_timeout, a_.takeover_after},
                                  {*conf_, cast_connector, env_.log, &interrupt, &interrupt.again()}, ended)
          : fleet::RunBatch(*journal, {{a_.workers, a_.per_host}, a_.state_dir, a_.allowed_hypervisor_types},
                            {*conf_, connector, env_.log, env_.hooks, &interrupt, &interrupt.again(), cinder_access},
                            ended);
  if (!totals.ok()) {
    const base::Code code = totals.error().code();
    const bool broker = a_.via_rpc && (code == base::Code::kUnavailable || code == base::Code::kTimeout ||
                                       code == base::Code::kPermissionDenied || code == base::Code::kNotFound);
    return Fail(broker ? exit_code::kRefreshBrokerUnavailable : exit_code::kConfig,
                "run " + state.header.run_id + ": " + totals.error().message());
  }
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (base::Status closed = journal->Close(totals->not_ended == 0, now); !closed.ok()) {
    env_.log.Warning(closed.message());
  }
  PrintSummary(journal->state());
  if (totals->not_ended > 0) {
    env_.log.Error("run " + state.header.run_id + " stopped with " + std::to_string(totals->not_ended) +
                   " BDM(s) not done; continue it with: bdm-agent refresh --resume " + state.header.run_id);
    return interrupt.requested() ? exit_code::kInterrupted : exit_code::kBatchFailed;
  }
  if (totals->failed() > 0) {
    env_.log.Error("run " + state.header.run_id + ": " + std::to_string(totals->failed()) + " of " +
                   std::to_string(size.bdms) + " BDM(s) failed");
    return exit_code::kBatchFailed;
  }
  return exit_code::kOk;
}

}  // namespace

int RunBatchRefresh(const po::variables_map& vm, const CommandEnv& env) {
  auto arguments = ParseBatchArguments(vm);
  if (!arguments.ok()) return UsageError("refresh", arguments.error().message(), env);
  return BatchCommand(std::move(*arguments), env).Run();
}

}  // namespace agent::commands

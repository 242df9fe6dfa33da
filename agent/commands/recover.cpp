#include "agent/commands/recover.h"

#include <algorithm>

#include "agent/commands/cli.h"
#include "agent/commands/nova_session.h"
#include "agent/commands/refresh_setup.h"
#include "agent/exit_codes.h"
#include "agent/fleet/batch_run.h"
#include "agent/fleet/run_journal.h"
#include "agent/fleet/unit_lock.h"
#include "agent/interrupt.h"
#include "agent/refresh/reconcile.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage = "recover [options] [--instance INSTANCE_UUID]";

po::options_description RecoverOptions() {
  po::options_description options("recover options");
  options.add_options()
      ("instance", po::value<std::string>(), "only this instance's journal (default: every journal)")
      ("state-dir", po::value<std::string>(), "where refresh journals live (default [bdm_agent] state_dir, else /var/lib/bdm-agent)")
      ("dry-run", "read the journals and the live state and print what would be done; change nothing")
      ("help,h", "print this help");
  return options;
}

// Recovers one instance's journal; returns its exit code.
int RecoverOne(const std::string& instance_uuid, const RefreshSettings& settings, db::NovaDatabase& nova_db,
               const config::NovaConfig& conf, refresh::DryRun dry_run, const CommandEnv& env) {
  const bool dry = dry_run == refresh::DryRun::kYes;
  auto journal = refresh::RefreshJournal::Open(
      settings.state_dir, instance_uuid,
      dry ? refresh::RefreshJournal::Mode::kReadOnly : refresh::RefreshJournal::Mode::kWrite);
  if (!journal.ok()) {
    env.log.Error(journal.error().message());
    return exit_code::ForJournalOpen(journal.error());
  }
  if (!*journal) {
    PrintEscaped(env.out, "instance %s: no unfinished refresh\n", instance_uuid.c_str());
    return exit_code::kOk;
  }
  const refresh::JournalBegin& begin = (*journal)->state().begin;
  auto cell = CellByUuid(nova_db, begin.cell_uuid);
  if (!cell.ok()) {
    env.log.Error(cell.error().message());
    return exit_code::kRefreshNeedsRecovery;
  }
  auto cinder = OpenCinder(conf, begin.action_request_id);
  if (!cinder.ok()) {
    env.log.Error(cinder.error().message());
    return exit_code::kRefreshNeedsRecovery;
  }
  PrintEscaped(env.out, "instance %s: %s the refresh of volume %s\n", instance_uuid.c_str(),
               dry ? "would recover" : "recovering", begin.volume_id.c_str());
  const refresh::RefreshReport report = refresh::Reconcile(**journal, {**cell, **cinder, env.log}, dry_run);
  if (dry) {
    for (const std::string& line : report.done) PrintEscaped(env.out, "  %s\n", line.c_str());
    if (report.outcome == refresh::Outcome::kNeedsRecovery) {
      env.log.Error("cannot plan the recovery: " + report.blocker.message());
      return exit_code::kRefreshNeedsRecovery;
    }
    return exit_code::kOk;
  }
  const int code = FinishReport(report, begin, env.log).Print(env.out, env.log);
  return report.outcome == refresh::Outcome::kNeedsRecovery || report.outcome == refresh::Outcome::kKeptReserved
             ? code
             : exit_code::kOk;
}

// A run no process works on may have left instances locked by its units
// (fleet/unit_lock.h): they are unlocked (the run's resume takes new locks).
// Returns whether all could be.
bool ReleaseRunLocks(const std::string& run_id, const fleet::RunState& state, const std::string& state_dir,
                     NovaSession& session, refresh::DryRun dry_run, const CommandEnv& env) {
  bool all = true;
  for (const fleet::UnitLockRecord& record : state.unit_locks) {
    if (record.released) continue;
    const std::string& instance = state.bdms[record.index].plan.instance_uuid;
    auto lines = fleet::ReleaseLeftLock({instance, record.reason, record.unlock_request_id}, session, state_dir, {},
                                        env.log, dry_run);
    if (!lines.ok()) {
      env.log.Error("batch run " + run_id + ": instance " + instance + " stays locked: " + lines.error().message());
      all = false;
      continue;
    }
    for (const std::string& line : *lines) PrintEscaped(env.out, "batch run %s: %s\n", run_id.c_str(), line.c_str());
  }
  return all;
}

// After the refreshes' own journals: the batch runs that did not finish,
// each with its progress and the command that continues it (recover does
// not start refreshes a run had not started), and the locks of runs that no
// process works on let go. A run that cannot be read is named and skipped;
// returns whether every lock left could be let go.
bool ReportUnfinishedRuns(const std::string& state_dir, const std::optional<std::string>& state_dir_option,
                          NovaSession& session, refresh::DryRun dry_run, const CommandEnv& env) {
  bool released = true;
  auto runs = fleet::RunJournal::List(state_dir);
  if (!runs.ok()) {
    env.log.Warning("batch runs not checked: " + runs.error().message());
    return released;
  }
  const std::string resume_tail = state_dir_option ? " --state-dir " + *state_dir_option : "";
  for (const std::string& run_id : *runs) {
    auto run = fleet::RunJournal::Inspect(state_dir, run_id);
    if (!run.ok()) {
      env.log.Warning("batch run " + run_id + " not checked: " + run.error().message());
      continue;
    }
    if (!run->in_use && !ReleaseRunLocks(run_id, run->state, state_dir, session, dry_run, env)) released = false;
    const fleet::BatchTotals totals = fleet::TotalsOf(run->state);
    if (totals.not_ended == 0) continue;
    const std::size_t total = run->state.bdms.size();
    const std::size_t ended = total - totals.not_ended;
    const auto started = static_cast<std::size_t>(
        std::count_if(run->state.bdms.begin(), run->state.bdms.end(),
                      [](const fleet::RunBdm& bdm) { return bdm.progress == fleet::BdmProgress::kStarted; }));
    const std::string progress = std::to_string(ended) + " of " + std::to_string(total) + " BDMs ended (" +
                                 std::to_string(totals.failed()) + " failed), " + std::to_string(started) +
                                 " started and not ended, " + std::to_string(total - ended - started) + " not started";
    if (run->in_use) {
      PrintEscaped(env.out, "batch run %s: in progress in another bdm-agent process: %s\n", run_id.c_str(),
                   progress.c_str());
    } else {
      PrintEscaped(env.out, "batch run %s: unfinished: %s; continue it with: bdm-agent refresh --resume %s%s\n",
                   run_id.c_str(), progress.c_str(), run_id.c_str(), resume_tail.c_str());
    }
  }
  return released;
}

}  // namespace

int RunRecover(const std::vector<std::string>& args, const CommandEnv& env) {
  const po::options_description options = RecoverOptions();
  auto parsed = ParseCommand("recover", kUsage, args, options, "", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const po::variables_map& vm = std::get<po::variables_map>(parsed);
  if (vm.count("instance") && !refresh::IsCanonicalUuid(vm["instance"].as<std::string>())) {
    return UsageError("recover", "--instance '" + vm["instance"].as<std::string>() + "' is not an instance uuid", env);
  }
  auto session = OpenNovaSession(env);
  if (!session.ok()) {
    env.log.Error(session.error().message());
    return exit_code::kConfig;
  }
  const std::optional<std::string> state_dir =
      vm.count("state-dir") ? std::optional(vm["state-dir"].as<std::string>()) : std::nullopt;
  auto settings = LoadRefreshSettings(session->conf, state_dir, {});
  if (!settings.ok()) {
    env.log.Error(settings.error().message());
    return exit_code::kConfig;
  }
  if (base::Status usable = refresh::CheckStateDirForReading(settings->state_dir); !usable.ok()) {
    env.log.Error(usable.message());
    return exit_code::kConfig;
  }
  std::vector<std::string> instances;
  if (vm.count("instance")) {
    instances.push_back(vm["instance"].as<std::string>());
  } else {
    auto listed = refresh::RefreshJournal::List(settings->state_dir);
    if (!listed.ok()) {
      env.log.Error(listed.error().message());
      return exit_code::kConfig;
    }
    instances = std::move(*listed);
    if (instances.empty()) PrintEscaped(env.out, "no unfinished refresh in %s\n", settings->state_dir.c_str());
  }
  const refresh::DryRun dry_run = vm.count("dry-run") ? refresh::DryRun::kYes : refresh::DryRun::kNo;
  // A recovery in flight is finished before a signal is obeyed (it is the
  // clean-up); a dry run changes nothing, so a signal may end it at once.
  std::optional<InterruptWatcher> interrupt;
  if (dry_run == refresh::DryRun::kNo) interrupt.emplace(env.log);
  int worst = exit_code::kOk;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    if (interrupt && interrupt->requested()) {
      env.log.Error("interrupted (" + std::string(interrupt->reason()) + ") after " + std::to_string(i) + " of " +
                    std::to_string(instances.size()) + " journals; run bdm-agent recover again for the rest");
      return exit_code::kInterrupted;
    }
    const int code = RecoverOne(instances[i], *settings, *session->nova_db, session->conf, dry_run, env);
    if (worst == exit_code::kOk) worst = code;
  }
  if (interrupt && interrupt->requested() && worst == exit_code::kOk) {
    env.log.Error("interrupted (" + std::string(interrupt->reason()) + ") after the last journal was recovered");
    return exit_code::kInterrupted;
  }
  if (!vm.count("instance") && !ReportUnfinishedRuns(settings->state_dir, state_dir, *session, dry_run, env) &&
      worst == exit_code::kOk) {
    worst = exit_code::kRefreshNeedsRecovery;
  }
  return worst;
}

}  // namespace agent::commands

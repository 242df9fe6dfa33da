#include "agent/commands/recover.h"

#include "agent/commands/cli.h"
#include "agent/commands/refresh_setup.h"
#include "agent/db/mysql_nova_database.h"
#include "agent/exit_codes.h"
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
  auto journal = refresh::RefreshJournal::Open(settings.state_dir, instance_uuid);
  if (!journal.ok()) {
    env.log.Error(journal.error().message());
    return exit_code::ForJournalOpen(journal.error());
  }
  if (!*journal) {
    std::fprintf(env.out, "instance %s: no unfinished refresh\n", instance_uuid.c_str());
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
  std::fprintf(env.out, "instance %s: %s the refresh of volume %s\n", instance_uuid.c_str(),
               dry_run == refresh::DryRun::kYes ? "would recover" : "recovering", begin.volume_id.c_str());
  const refresh::RefreshReport report = refresh::Reconcile(**journal, {**cell, **cinder, env.log}, dry_run);
  if (dry_run == refresh::DryRun::kYes) {
    for (const std::string& line : report.done) std::fprintf(env.out, "  %s\n", line.c_str());
    if (report.outcome == refresh::Outcome::kNeedsRecovery) {
      env.log.Error("cannot plan the recovery: " + report.blocker.message());
      return exit_code::kRefreshNeedsRecovery;
    }
    return exit_code::kOk;
  }
  const int code = FinishReport(report, begin, env.out, env.log);
  return report.outcome == refresh::Outcome::kNeedsRecovery || report.outcome == refresh::Outcome::kKeptReserved
             ? code
             : exit_code::kOk;
}

}  // namespace

int RunRecover(const std::vector<std::string>& args, const CommandEnv& env) {
  const po::options_description options = RecoverOptions();
  auto parsed = ParseCommand("recover", kUsage, args, options, "", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const po::variables_map& vm = std::get<po::variables_map>(parsed);
  auto conf = config::LoadNovaConfig(env.global.config);
  if (!conf.ok()) {
    env.log.Error(conf.error().message());
    return exit_code::kConfig;
  }
  const std::optional<std::string> state_dir =
      vm.count("state-dir") ? std::optional(vm["state-dir"].as<std::string>()) : std::nullopt;
  auto settings = LoadRefreshSettings(*conf, state_dir, {});
  if (!settings.ok()) {
    env.log.Error(settings.error().message());
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
    if (instances.empty()) std::fprintf(env.out, "no unfinished refresh in %s\n", settings->state_dir.c_str());
  }
  db::MysqlNovaDatabase nova_db(
      {conf->api_database_connection.value_or(""), conf->database_connection.value_or(""), {}}, env.log);
  const refresh::DryRun dry_run = vm.count("dry-run") ? refresh::DryRun::kYes : refresh::DryRun::kNo;
  int worst = exit_code::kOk;
  for (const std::string& instance_uuid : instances) {
    const int code = RecoverOne(instance_uuid, *settings, nova_db, *conf, dry_run, env);
    if (worst == exit_code::kOk) worst = code;
  }
  return worst;
}

}  // namespace agent::commands

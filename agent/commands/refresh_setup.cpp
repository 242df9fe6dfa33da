#include "agent/commands/refresh_setup.h"


#include "agent/cinder/cinder_client.h"
#include "agent/exit_codes.h"
#include "proto_compat/request_context.h"

namespace agent::commands {

base::Result<RefreshSettings> LoadRefreshSettings(const config::NovaConfig& conf,
                                                  const std::optional<std::string>& state_dir,
                                                  const std::vector<std::string>& allowed_hypervisor_types) {
  RefreshSettings settings;
  BASE_TRY_ASSIGN(std::optional<std::string> configured_dir, conf.Get("bdm_agent", "state_dir"));
  settings.state_dir = state_dir.value_or(configured_dir.value_or(std::string(kDefaultStateDir)));
  if (settings.state_dir.empty()) return base::Status::InvalidInput("the state dir must not be empty");
  BASE_TRY_ASSIGN(std::optional<std::vector<std::string>> types, conf.GetList("bdm_agent", "allowed_hypervisor_types"));
  if (types) settings.allowed_hypervisor_types = std::move(*types);
  settings.allowed_hypervisor_types.insert(settings.allowed_hypervisor_types.end(), allowed_hypervisor_types.begin(),
                                           allowed_hypervisor_types.end());
  return settings;
}

base::Result<std::unique_ptr<cinder::AttachmentApi>> OpenCinder(const config::NovaConfig& conf,
                                                                const std::string& request_id,
                                                                PeerTimes* times,
                                                                const cinder::CinderAccessSource& source) {
  cinder::CinderSession session;
  session.global_request_id = request_id;
  session.peer_time = times == nullptr ? nullptr : &times->cinder;
  session.keystone_time = times == nullptr ? nullptr : &times->keystone;
  BASE_TRY_ASSIGN(std::shared_ptr<const cinder::CinderAccess> access,
                  source ? source(conf, session) : cinder::CinderAccess::Open(conf, session));
  return access->NewClient(session);
}

base::Result<db::CellDatabase*> CellByUuid(db::NovaDatabase& nova_db, const std::optional<std::string>& cell_uuid) {
  if (!cell_uuid) return nova_db.LocalCell();
  BASE_TRY_ASSIGN(std::vector<db::CellMapping> cells, nova_db.ListCellMappings());
  for (const db::CellMapping& cell : cells) {
    if (cell.uuid == *cell_uuid) return nova_db.Cell(cell);
  }
  return base::Status::NotFound("cell " + *cell_uuid + " is no longer mapped");
}

int RefreshEnding::Print(std::FILE* out, const Log& log) const {
  for (const std::string& line : lines) PrintEscaped(out, "%s\n", line);
  if (code != exit_code::kOk) log.Error(error);
  return code;
}

RefreshEnding FinishReport(const refresh::RefreshReport& report, const refresh::JournalBegin& begin, const Log& log) {
  using refresh::Outcome;
  RefreshEnding ending;
  for (const std::string& line : report.done) ending.lines.push_back("  " + line);
  ending.bdm_uuid = begin.bdm_uuid;
  ending.old_attachment_id = begin.old_attachment_id;
  const auto fail = [&ending](int code, std::string error) {
    ending.code = code;
    ending.error = std::move(error);
    return ending;
  };
  const std::string what = "BDM " + begin.bdm_uuid.value_or(std::to_string(begin.bdm_id)) + " (instance " +
                           begin.instance_uuid + ", volume " + begin.volume_id + ")";
  const bool interrupted = report.failed_step && report.failed_peer == refresh::Peer::kInterrupt;
  const std::string failure =
      !report.failed_step ? ""
      : interrupted       ? " when it was " + report.cause.message() + " before '" + *report.failed_step + "'"
                          : " after '" + *report.failed_step + "' failed: " + report.cause.message();
  switch (report.outcome) {
    case Outcome::kRefreshed:
      ending.new_attachment_id = report.attachment_id;
      ending.lines.push_back("refreshed " + what + ": attachment " + begin.old_attachment_id.value_or("none") +
                             " -> " + report.attachment_id.value_or("?"));
      if (interrupted) {
        return fail(exit_code::kInterrupted,
                    "refresh of " + what + failure + ": it could no longer be undone, so it was finished");
      }
      if (report.failed_step) log.Warning("refresh recovered" + failure);
      return ending;
    case Outcome::kLockLost:
      return fail(exit_code::kRefreshInstanceLocked,
                  "instance " + begin.instance_uuid + " was locked by someone else first; nothing was changed");
    case Outcome::kRolledBack: {
      if (!report.failed_step) {
        ending.lines.push_back("rolled back " + what + ": nothing changed");
        return ending;
      }
      const std::string error = "refresh of " + what + " rolled back" + failure + (interrupted ? "; nothing changed" : "");
      switch (report.failed_peer) {
        case refresh::Peer::kInterrupt: return fail(exit_code::kInterrupted, error);
        case refresh::Peer::kCompute: return fail(exit_code::kRefreshComputeFailed, error);
        case refresh::Peer::kCinder: return fail(exit_code::kRefreshCinderFailed, error);
        case refresh::Peer::kJournal: return fail(exit_code::kConfig, error);
        case refresh::Peer::kDatabase: return fail(exit_code::ForDatabase(report.cause, /*api=*/false), error);
      }
      return fail(exit_code::kUnexpected, error);
    }
    case Outcome::kKeptReserved:
      ending.new_attachment_id = report.attachment_id;
      return fail(exit_code::kRefreshKeptReserved,
                  "refresh of " + what + failure + "; Cinder gave no new connection, so attachment " +
                      report.attachment_id.value_or("?") +
                      " keeps the volume reserved and the BDM keeps its previous connection_info: run refresh "
                      "again once Cinder works");
    case Outcome::kNeedsRecovery:
      return fail(exit_code::kRefreshNeedsRecovery,
                  "refresh of " + what + " is not consistent yet" + failure + "; recovery stopped: " +
                      report.blocker.message() + "; run 'bdm-agent recover --instance " + begin.instance_uuid +
                      "' once it is reachable");
  }
  return fail(exit_code::kUnexpected, "refresh of " + what + ": unknown outcome");
}

}  // namespace agent::commands

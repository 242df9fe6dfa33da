#include "agent/fleet/unit_lock.h"

#include <chrono>

#include "agent/commands/nova_session.h"
#include "agent/commands/refresh_setup.h"
#include "agent/refresh/journal.h"
#include "proto_compat/request_context.h"

namespace agent::fleet {

std::string UnitLockReason(std::string_view run_id, std::string_view instance_uuid) {
  return "Refreshing connection_info for the volume BDMs of instance " + std::string(instance_uuid) +
         " (bdm-agent batch refresh run " + std::string(run_id) + ").";
}

refresh::UnitLockIds NewUnitLock(std::string_view run_id, std::string_view instance_uuid, std::mt19937_64& rng) {
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  refresh::UnitLockIds ids;
  ids.reason = UnitLockReason(run_id, instance_uuid);
  ids.lock = proto_compat::MakeAdminContext(now, rng).request_id;
  ids.unlock = proto_compat::MakeAdminContext(now, rng).request_id;
  return ids;
}

base::Result<db::CellDatabase*> CellOfInstance(db::NovaDatabase& nova_db, std::string_view instance_uuid) {
  BASE_TRY_ASSIGN(std::optional<db::InstanceMapping> mapping, nova_db.FindInstanceMapping(instance_uuid));
  if (mapping && mapping->cell) return nova_db.Cell(*mapping->cell);
  return nova_db.LocalCell();
}

base::Result<bool> LockedWith(db::CellDatabase& cell, std::string_view instance_uuid, std::string_view reason) {
  BASE_TRY_ASSIGN(std::optional<std::string> locked_reason, cell.LockedReason(instance_uuid));
  return locked_reason && *locked_reason == reason;
}

base::Result<std::vector<std::string>> ReleaseLeftLock(const LeftLock& left, commands::NovaSession& session,
                                                       const std::string& state_dir,
                                                       const cinder::CinderAccessSource& cinder_access,
                                                       const Log& log, refresh::DryRun dry_run) {
  const bool dry = dry_run == refresh::DryRun::kYes;
  std::vector<std::string> lines;
  BASE_TRY_ASSIGN(db::CellDatabase * cell, CellOfInstance(*session.nova_db, left.instance_uuid));
  using Mode = refresh::RefreshJournal::Mode;
  BASE_TRY_ASSIGN(std::optional<refresh::RefreshJournal> journal,
                  refresh::RefreshJournal::Open(state_dir, left.instance_uuid, dry ? Mode::kReadOnly : Mode::kWrite));
  if (journal) {
    const refresh::JournalBegin& begin = journal->state().begin;
    BASE_TRY_ASSIGN(std::unique_ptr<cinder::AttachmentApi> cinder,
                    commands::OpenCinder(session.conf, begin.action_request_id, nullptr, cinder_access));
    lines.push_back((dry ? "would recover the refresh of volume " : "recovered the refresh of volume ") +
                    begin.volume_id + " first");
    const refresh::RefreshReport report = refresh::Reconcile(*journal, {*cell, *cinder, log}, dry_run);
    for (const std::string& line : report.done) lines.push_back("  " + line);
    if (report.outcome == refresh::Outcome::kNeedsRecovery) return report.blocker;
    if (dry) return lines;  // the reconciliation would unlock it
  }
  BASE_TRY_ASSIGN(bool ours, LockedWith(*cell, left.instance_uuid, left.reason));
  if (!ours) return lines;  // let go already, never taken, or someone else's lock now
  if (dry) {
    lines.push_back("would unlock instance " + left.instance_uuid + " (" + left.reason + ")");
    return lines;
  }
  BASE_TRY_ASSIGN(bool unlocked, cell->UnlockInstance({left.instance_uuid, left.unlock_request_id,
                                                       session.conf.host, left.reason}));
  if (unlocked) lines.push_back("unlocked instance " + left.instance_uuid + " (" + left.reason + ")");
  return lines;
}

}  // namespace agent::fleet

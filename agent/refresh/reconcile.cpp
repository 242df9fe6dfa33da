#include "agent/refresh/reconcile.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include "agent/refresh/stray_attachments.h"

namespace agent::refresh {
namespace {

class Reconciler {
 public:
  Reconciler(RefreshJournal& journal, const RefreshPorts& ports, DryRun dry_run, UnitLock unit_lock)
      : journal_(journal),
        b_(journal.state().begin),
        ports_(ports),
        dry_run_(dry_run == DryRun::kYes),
        keep_lock_(unit_lock == UnitLock::kKeep && b_.lock_scope != LockScope::kRefresh) {}

  RefreshReport Run() {
    base::Status status = Decide();
    if (status.ok()) status = FinishAndUnlock();
    if (status.ok() && !dry_run_) status = journal_.Remove();
    if (!status.ok()) {
      report_.outcome = Outcome::kNeedsRecovery;
      report_.blocker = status;
    }
    return std::move(report_);
  }

 private:
  // Does (or, dry run, announces) one change.
  base::Status Act(const std::string& what, const std::function<base::Status()>& change) {
    report_.done.push_back(dry_run_ ? "would " + what : what);
    ports_.log.Debug("recover: " + what);
    return dry_run_ ? base::Status::Ok() : change();
  }

  // Whether the attachment exists in Cinder.
  base::Result<bool> Exists(const std::string& id) {
    auto attachment = ports_.cinder.Get(id);
    if (attachment.ok()) return true;
    if (attachment.error().IsNotFound()) return false;
    return attachment.error();
  }

  base::Status DeleteAttachment(const std::string& id, const std::string& why) {
    deleted_.push_back(id);
    return Act("delete attachment " + id + " (" + why + ")", [&] {
      base::Status deleted = ports_.cinder.Delete(id);
      return deleted.IsNotFound() ? base::Status::Ok() : deleted;
    });
  }

  // The attachments this refresh created: the journalled one, or, when the
  // crash came before the id was journalled, the volume's bare reservations
  // for the instance that nothing else accounts for. A create whose outcome
  // is unknown (no answer was journalled) may still land: then, if nothing
  // is found at once, wait until the journal says Cinder has settled it and
  // look once more.
  base::Result<std::vector<std::string>> CreatedAttachments(const std::optional<db::BlockDeviceMapping>& bdm) {
    const JournalState& state = journal_.state();
    std::vector<std::string> created;
    if (state.new_attachment_id) created.push_back(*state.new_attachment_id);
    if (!state.Reached(JournalStep::kCreatingAttachment) || state.new_attachment_id) return created;
    std::vector<std::string> named;
    if (b_.old_attachment_id) named.push_back(*b_.old_attachment_id);
    if (bdm && bdm->attachment_id) named.push_back(*bdm->attachment_id);
    BASE_TRY_ASSIGN(created, ListCreated(named));
    if (!created.empty() || state.Reached(JournalStep::kCreateRefused) || !state.create_settles_by) return created;
    const auto settles = std::chrono::system_clock::time_point(std::chrono::seconds(*state.create_settles_by));
    const auto now = std::chrono::system_clock::now();
    if (now >= settles) return created;
    const auto wait = std::chrono::ceil<std::chrono::seconds>(settles - now);
    if (dry_run_) {
      report_.done.push_back("would wait up to " + std::to_string(wait.count()) +
                             " s for a reservation the interrupted refresh asked for, then list the volume's "
                             "attachments again");
      return created;
    }
    ports_.log.Warning("the interrupted refresh asked Cinder for a reservation and got no answer; waiting up to " +
                       std::to_string(wait.count()) + " s for Cinder to settle it");
    std::this_thread::sleep_until(settles);
    return ListCreated(named);
  }

  base::Result<std::vector<std::string>> ListCreated(const std::vector<std::string>& named) {
    BASE_TRY_ASSIGN(std::vector<cinder::Attachment> listed, ports_.cinder.ListAttachments(b_.volume_id));
    std::vector<std::string> created;
    for (const StrayAttachment& stray : FindStrayAttachments(listed, b_.instance_uuid, named)) {
      if (stray.kind == StrayKind::kAbandonedReservation) created.push_back(stray.attachment.id);
    }
    return created;
  }

  // While the instance is still locked by this refresh: delete the volume's
  // abandoned reservations for the instance that the BDM does not name, and
  // report its other stray attachments (stray_attachments.h).
  base::Status SweepStrayAttachments() {
    BASE_TRY_ASSIGN(std::vector<cinder::Attachment> listed, ports_.cinder.ListAttachments(b_.volume_id));
    std::vector<std::string> named = deleted_;  // already dealt with (a dry run lists them again)
    if (report_.attachment_id) named.push_back(*report_.attachment_id);
    for (const StrayAttachment& stray : FindStrayAttachments(listed, b_.instance_uuid, named)) {
      if (stray.kind == StrayKind::kForeign) {
        ports_.log.Warning(DescribeStray(stray));
        continue;
      }
      BASE_TRY(Act("delete " + DescribeStray(stray), [&] {
        base::Status deleted = ports_.cinder.Delete(stray.attachment.id);
        return deleted.IsNotFound() ? base::Status::Ok() : deleted;
      }));
    }
    return base::Status::Ok();
  }

  base::Status Decide() {
    // The first change is atomic: without its action nothing happened. It
    // is the lock, or, under a unit's lock taken before, the refresh action.
    const bool held = b_.lock_scope == LockScope::kUnitHeld;
    BASE_TRY_ASSIGN(std::optional<db::InstanceActionRow> first_action,
                    ports_.cell.FindInstanceAction(b_.instance_uuid,
                                                   held ? b_.action_request_id : b_.lock_request_id));
    if (!first_action) {
      report_.outcome = Outcome::kRolledBack;
      report_.done.push_back(held ? "nothing to undo: the refresh stopped before it started its action"
                                  : "nothing to undo: the refresh stopped before locking the instance");
      nothing_locked_ = !held;  // a unit's lock taken before is still let go (FinishAndUnlock)
      return base::Status::Ok();
    }
    BASE_TRY_ASSIGN(std::optional<db::BlockDeviceMapping> bdm, ports_.cell.FindBdmById(b_.bdm_id));
    BASE_TRY_ASSIGN(std::vector<std::string> created, CreatedAttachments(bdm));
    if (!bdm) {
      for (const std::string& id : created) BASE_TRY(DeleteAttachment(id, "its BDM was deleted meanwhile"));
      report_.outcome = Outcome::kRolledBack;
      return base::Status::Ok();
    }
    const std::optional<std::string>& current = bdm->attachment_id;
    if (current && std::find(created.begin(), created.end(), *current) != created.end()) {
      return RollForwardSaved(*current, created);
    }
    bool current_exists = false;
    if (current) {
      BASE_TRY_ASSIGN(current_exists, Exists(*current));
    }
    if (current_exists) {
      for (const std::string& id : created) BASE_TRY(DeleteAttachment(id, "created by the failed refresh"));
      report_.outcome = Outcome::kRolledBack;
      report_.attachment_id = current;
      return base::Status::Ok();
    }
    return RollForwardUnsaved(*bdm, created);
  }

  // The BDM already has the new attachment: finish the Cinder side.
  base::Status RollForwardSaved(const std::string& id, const std::vector<std::string>& created) {
    BASE_TRY_ASSIGN(cinder::Attachment attachment, ports_.cinder.Get(id));
    if (attachment.status != "attached") {
      BASE_TRY(Act("complete attachment " + id, [&] { return ports_.cinder.Complete(id); }));
    }
    if (b_.old_attachment_id && *b_.old_attachment_id != id) {
      BASE_TRY_ASSIGN(bool old_exists, Exists(*b_.old_attachment_id));
      if (old_exists) BASE_TRY(DeleteAttachment(*b_.old_attachment_id, "replaced by " + id));
    }
    for (const std::string& other : created) {
      if (other != id) BASE_TRY(DeleteAttachment(other, "created by the failed refresh"));
    }
    report_.outcome = Outcome::kRefreshed;
    report_.attachment_id = id;
    return base::Status::Ok();
  }

  // The BDM's attachment is gone (deleted by this refresh, or the BDM never
  // had one): give the volume a working attachment with the journalled
  // connector instead of leaving the BDM without connection_info.
  base::Status RollForwardUnsaved(const db::BlockDeviceMapping& bdm, const std::vector<std::string>& created) {
    std::optional<std::string> target;
    for (const std::string& id : created) {
      BASE_TRY_ASSIGN(bool exists, Exists(id));
      if (exists && !target) {
        target = id;
      } else if (exists) {
        BASE_TRY(DeleteAttachment(id, "created by the failed refresh"));
      }
    }
    if (!target) {
      BASE_TRY(Act("reserve a new attachment for volume " + b_.volume_id, [&]() -> base::Status {
        BASE_TRY(journal_.Record(JournalStep::kCreatingAttachment));
        BASE_TRY_ASSIGN(cinder::Attachment reserved, ports_.cinder.Create(b_.volume_id, b_.instance_uuid));
        target = reserved.id;
        return journal_.Record(JournalStep::kAttachmentCreated, reserved.id);
      }));
      if (!target) target = "<new attachment>";  // dry run
    }
    std::optional<std::string> connection_info;
    base::Status updated = Act("update attachment " + *target + " with the connector", [&]() -> base::Status {
      const std::optional<std::string_view> mountpoint =
          b_.device_name ? std::optional<std::string_view>(*b_.device_name) : std::nullopt;
      BASE_TRY_ASSIGN(cinder::Attachment attachment, ports_.cinder.Update(*target, b_.connector_json, mountpoint));
      BASE_TRY_ASSIGN(connection_info, StoredConnectionInfo(attachment, b_.volume_id));
      return journal_.Record(JournalStep::kAttachmentUpdated, *connection_info);
    });
    if (updated.code() == base::Code::kUnavailable || updated.code() == base::Code::kTimeout) return updated;
    const bool keep_reserved = !updated.ok();
    if (keep_reserved) {
      ports_.log.Warning("Cinder gave no new connection for attachment " + *target + ": " + updated.message());
      connection_info = bdm.connection_info;
    }
    BASE_TRY(Act("save attachment " + *target + " on the BDM" +
                     (keep_reserved ? " with its previous connection_info" : " with its new connection_info"),
                 [&]() -> base::Status {
                   BASE_TRY_ASSIGN(bool saved, ports_.cell.SaveBdmAttachment(b_.bdm_id, bdm.attachment_id, *target,
                                                                             connection_info));
                   if (!saved) {
                     return base::Status::FailedPrecondition("block device mapping " + std::to_string(b_.bdm_id) +
                                                             " changed during recovery");
                   }
                   return base::Status::Ok();
                 }));
    report_.attachment_id = target;
    if (keep_reserved) {
      report_.outcome = Outcome::kKeptReserved;
      return base::Status::Ok();
    }
    BASE_TRY(Act("complete attachment " + *target, [&] { return ports_.cinder.Complete(*target); }));
    report_.outcome = Outcome::kRefreshed;
    return base::Status::Ok();
  }

  base::Status FinishAndUnlock() {
    if (nothing_locked_) return base::Status::Ok();
    BASE_TRY_ASSIGN(std::optional<db::InstanceActionRow> action,
                    ports_.cell.FindInstanceAction(b_.instance_uuid, b_.action_request_id));
    if (action && !action->finished) {
      BASE_TRY(Act("finish instance action " + b_.action_request_id,
                   [&] { return ports_.cell.FinishInstanceAction(b_.instance_uuid, b_.action_request_id); }));
    }
    BASE_TRY_ASSIGN(std::optional<std::string> reason, ports_.cell.LockedReason(b_.instance_uuid));
    if (reason != b_.lock_reason) return base::Status::Ok();  // not (or no longer) our lock
    BASE_TRY(SweepStrayAttachments());
    if (keep_lock_) {
      report_.done.push_back("instance " + b_.instance_uuid + " stays locked by its batch unit");
      return base::Status::Ok();
    }
    return Act("unlock instance " + b_.instance_uuid, [&]() -> base::Status {
      BASE_TRY_ASSIGN(bool unlocked, ports_.cell.UnlockInstance({b_.instance_uuid, b_.unlock_request_id,
                                                                 b_.event_host, b_.lock_reason}));
      if (!unlocked) ports_.log.Warning("instance " + b_.instance_uuid + " was no longer locked by this refresh");
      return base::Status::Ok();
    });
  }

  RefreshJournal& journal_;
  const JournalBegin b_;
  const RefreshPorts& ports_;
  const bool dry_run_;
  const bool keep_lock_;  // a running unit's lock: it unlocks the instance itself
  bool nothing_locked_ = false;
  std::vector<std::string> deleted_;  // attachments deleted (or, dry run, to be deleted)
  RefreshReport report_;
};

}  // namespace

RefreshReport Reconcile(RefreshJournal& journal, const RefreshPorts& ports, DryRun dry_run, UnitLock unit_lock) {
  return Reconciler(journal, ports, dry_run, unit_lock).Run();
}

}  // namespace agent::refresh

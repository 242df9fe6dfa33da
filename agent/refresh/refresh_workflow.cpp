#include "agent/refresh/refresh_workflow.h"

#include <chrono>
#include <functional>

#include "agent/refresh/reconcile.h"
#include "agent/refresh/stray_attachments.h"
#include "rpc/python_json.h"

namespace agent::refresh {
namespace {

// The instance as nova-manage holds it when it calls the compute: loaded
// before the lock, then changed by compute.api.API.lock (locked, locked_by
// and the reason in system_metadata; updated_at stays the loaded one).
proto_compat::InstanceRecord AsLockedForRefresh(proto_compat::InstanceRecord instance, const std::string& reason) {
  instance.locked = 1;
  instance.locked_by = "admin";
  bool found = false;
  for (proto_compat::SystemMetadataItem& item : instance.system_metadata) {
    if (item.key == db::kLockedReasonKey) {
      item.value = reason;
      found = true;
    }
  }
  if (!found) instance.system_metadata.push_back({std::string(db::kLockedReasonKey), reason});
  return instance;
}

}  // namespace

base::Result<std::string> StoredConnectionInfo(const cinder::Attachment& attachment, std::string_view volume_id) {
  BASE_TRY_ASSIGN(std::string compact, cinder::NovaConnectionInfo(attachment, volume_id));
  BASE_TRY_ASSIGN(rpc::JsonPart python, rpc::ToPythonJson(compact));
  return std::move(python.json);
}

namespace {

class Steps {
 public:
  Steps(RefreshJournal& journal, const RefreshPorts& ports) : journal_(journal), ports_(ports) {}

  // Runs one step: journal `before` (if any), the step, journal `after`.
  base::Status Run(const char* name, Peer peer, std::optional<JournalStep> before,
                   const std::function<base::Status()>& body,
                   std::optional<std::string> before_value = std::nullopt) {
    current_ = name;
    if (ports_.stop != nullptr && ports_.stop->requested()) {
      peer_ = Peer::kInterrupt;
      return base::Status::FailedPrecondition("interrupted (" + std::string(ports_.stop->reason()) + ")");
    }
    ports_.log.Debug(std::string("refresh: ") + name);
    if (before) BASE_TRY(Journal(*before, before_value));
    peer_ = peer;
    return body();
  }
  // Journals `after` (with its value, if any).
  base::Status Done(JournalStep after, std::optional<std::string_view> value = std::nullopt) {
    return Journal(after, value);
  }
  const char* current() const { return current_; }
  Peer peer() const { return peer_; }

 private:
  RefreshJournal& journal_;
  const RefreshPorts& ports_;
  // Only what recovery relies on is made durable before its step runs: the
  // begin line (by Create) and creating_attachment, the one change recovery
  // could not otherwise find (an attachment Cinder made whose id was never
  // written: with that line recovery lists the volume's attachments). Every
  // other step leaves its trace in the database or in Cinder, which recovery
  // reads instead of trusting the journal; their lines are written at once (a
  // process crash keeps them) and made durable with the next synced record.
  base::Status Journal(JournalStep step, std::optional<std::string_view> value = std::nullopt) {
    peer_ = Peer::kJournal;
    const RefreshJournal::Sync sync = step == JournalStep::kCreatingAttachment
                                          ? RefreshJournal::Sync::kNow
                                          : RefreshJournal::Sync::kWithNextRecord;
    BASE_TRY(journal_.Record(step, value, sync).WithContext("journal"));
    if (ports_.hooks != nullptr) ports_.hooks->AfterJournalStep(JournalStepName(step), ports_.stop);
    return base::Status::Ok();
  }

  const char* current_ = "";
  Peer peer_ = Peer::kDatabase;
};

// The creating_attachment line's value: when Cinder has settled the create
// that follows it, if it ever does (the client's timeout, and a margin for
// what Cinder still does after the client gave up).
std::string CreateSettlesBy(const cinder::AttachmentApi& cinder) {
  const auto settles = std::chrono::system_clock::now() + cinder.RequestTimeout() + kCreateSettleMargin;
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(settles.time_since_epoch()).count());
}

// Whether a failed Cinder call got an answer from Cinder (an HTTP error),
// rather than no answer (a timeout, a broken connection: the request may
// still be carried out).
bool CinderAnswered(const base::Status& status) {
  switch (status.code()) {
    case base::Code::kNotFound:
    case base::Code::kInvalidInput:
    case base::Code::kPermissionDenied:
    case base::Code::kFailedPrecondition:
    case base::Code::kRemoteError: return true;
    default: return false;
  }
}

// Deletes the volume's abandoned reservations for the instance
// (stray_attachments.h); the BDM names the old attachment at this point.
// Any other stray attachment is kept and stops the refresh before it changes
// anything (kFailedPrecondition naming it): Cinder would refuse the new
// attachment's connector beside it (duplicate connectors), after the old
// attachment is gone. Lines for the report go to `lines`.
base::Status SweepStrayAttachments(const RefreshPorts& ports, const JournalBegin& b, std::vector<std::string>& lines) {
  BASE_TRY_ASSIGN(std::vector<cinder::Attachment> listed, ports.cinder.ListAttachments(b.volume_id));
  std::vector<std::string> named;
  if (b.old_attachment_id) named.push_back(*b.old_attachment_id);
  std::vector<StrayAttachment> foreign;
  for (StrayAttachment& stray : FindStrayAttachments(listed, b.instance_uuid, named)) {
    if (stray.kind == StrayKind::kForeign) {
      foreign.push_back(std::move(stray));
      continue;
    }
    base::Status deleted = ports.cinder.Delete(stray.attachment.id);
    if (!deleted.ok() && !deleted.IsNotFound()) return deleted;
    lines.push_back("deleted " + DescribeStray(stray));
  }
  if (foreign.empty()) return base::Status::Ok();
  for (std::size_t i = 1; i < foreign.size(); ++i) ports.log.Warning(DescribeStray(foreign[i]));
  return base::Status::FailedPrecondition(DescribeStray(foreign.front()) + "; resolve it before refreshing" +
                                          (foreign.size() > 1 ? " (and the others above)" : ""));
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kRefreshed: return "refreshed";
    case Outcome::kRolledBack: return "rolled back";
    case Outcome::kKeptReserved: return "kept reserved";
    case Outcome::kNeedsRecovery: return "needs recovery";
    case Outcome::kLockLost: return "lock lost";
  }
  return "unknown";
}

RefreshReport RunRefresh(RefreshJournal& journal, proto_compat::InstanceRecord instance, ComputeLink& compute,
                         const RefreshPorts& ports) {
  const JournalBegin& b = journal.state().begin;
  Steps steps(journal, ports);
  std::vector<std::string> sweep_lines;  // what the sweep did, reported whatever the outcome
  std::string new_id;
  bool lock_lost = false;

  const base::Status status = [&]() -> base::Status {
    if (b.lock_scope != LockScope::kUnitHeld) {
      BASE_TRY(steps.Run("lock the instance", Peer::kDatabase, std::nullopt, [&]() -> base::Status {
        BASE_TRY_ASSIGN(bool locked, ports.cell.LockInstance({b.instance_uuid, b.lock_request_id, b.event_host,
                                                              b.lock_reason}));
        lock_lost = !locked;
        return base::Status::Ok();
      }));
      if (lock_lost) return base::Status::Ok();
      BASE_TRY(steps.Done(JournalStep::kLocked));
    }

    BASE_TRY(steps.Run("start the instance action", Peer::kDatabase, std::nullopt, [&] {
      return ports.cell.StartInstanceAction(b.instance_uuid, "refresh_volume_attachment", b.action_request_id);
    }));
    BASE_TRY(steps.Done(JournalStep::kActionStarted));

    BASE_TRY(steps.Run("sweep abandoned reservations of the volume", Peer::kCinder, std::nullopt, [&] {
      return SweepStrayAttachments(ports, b, sweep_lines);
    }));

    BASE_TRY(steps.Run(
        "reserve a new Cinder attachment", Peer::kCinder, JournalStep::kCreatingAttachment,
        [&]() -> base::Status {
          auto created = ports.cinder.Create(b.volume_id, b.instance_uuid);
          if (!created.ok() && CinderAnswered(created.error())) {
            // Recovery then knows no reservation can still land.
            (void)journal.Record(JournalStep::kCreateRefused, std::nullopt, RefreshJournal::Sync::kWithNextRecord);
          }
          BASE_TRY(created.status());
          new_id = created->id;
          return base::Status::Ok();
        },
        CreateSettlesBy(ports.cinder)));
    BASE_TRY(steps.Done(JournalStep::kAttachmentCreated, new_id));

    BASE_TRY(steps.Run("remove_volume_connection on the compute", Peer::kCompute, JournalStep::kRemovingConnection, [&] {
      return compute.RemoveVolumeConnection(AsLockedForRefresh(std::move(instance), b.lock_reason), b.volume_id,
                                            b.compute_host);
    }));
    BASE_TRY(steps.Done(JournalStep::kConnectionRemoved));

    if (!b.compute_deletes_old && b.old_attachment_id) {
      BASE_TRY(steps.Run("delete the old Cinder attachment", Peer::kCinder, JournalStep::kDeletingOldAttachment, [&] {
        base::Status deleted = ports.cinder.Delete(*b.old_attachment_id);
        return deleted.IsNotFound() ? base::Status::Ok() : deleted;
      }));
      BASE_TRY(steps.Done(JournalStep::kOldAttachmentDeleted));
    }

    std::string connection_info;
    BASE_TRY(steps.Run("update the new attachment with the connector", Peer::kCinder,
                       JournalStep::kUpdatingAttachment,
                       [&]() -> base::Status {
                         const std::optional<std::string_view> mountpoint =
                             b.device_name ? std::optional<std::string_view>(*b.device_name) : std::nullopt;
                         BASE_TRY_ASSIGN(cinder::Attachment updated,
                                         ports.cinder.Update(new_id, b.connector_json, mountpoint));
                         BASE_TRY_ASSIGN(connection_info, StoredConnectionInfo(updated, b.volume_id));
                         return base::Status::Ok();
                       }));
    BASE_TRY(steps.Done(JournalStep::kAttachmentUpdated, connection_info));

    BASE_TRY(steps.Run("save the BDM", Peer::kDatabase, JournalStep::kSavingBdm, [&]() -> base::Status {
      BASE_TRY_ASSIGN(bool saved,
                      ports.cell.SaveBdmAttachment(b.bdm_id, b.old_attachment_id, new_id, connection_info));
      if (!saved) {
        return base::Status::FailedPrecondition("block device mapping " + std::to_string(b.bdm_id) +
                                                " changed or was deleted during the refresh");
      }
      return base::Status::Ok();
    }));
    BASE_TRY(steps.Done(JournalStep::kBdmSaved));

    BASE_TRY(steps.Run("complete the new attachment", Peer::kCinder, JournalStep::kCompleting,
                       [&] { return ports.cinder.Complete(new_id); }));
    BASE_TRY(steps.Done(JournalStep::kCompleted));

    BASE_TRY(steps.Run("finish the instance action", Peer::kDatabase, std::nullopt,
                       [&] { return ports.cell.FinishInstanceAction(b.instance_uuid, b.action_request_id); }));
    BASE_TRY(steps.Done(JournalStep::kActionFinished));
    if (b.lock_scope != LockScope::kRefresh) return journal.Remove();  // the unit unlocks
    BASE_TRY(steps.Run("unlock the instance", Peer::kDatabase, std::nullopt, [&]() -> base::Status {
      BASE_TRY_ASSIGN(bool unlocked, ports.cell.UnlockInstance({b.instance_uuid, b.unlock_request_id, b.event_host,
                                                                b.lock_reason}));
      if (!unlocked) ports.log.Warning("instance " + b.instance_uuid + " was no longer locked by this refresh");
      return base::Status::Ok();
    }));
    BASE_TRY(steps.Done(JournalStep::kUnlocked));
    return journal.Remove();
  }();

  RefreshReport report;
  if (status.ok() && lock_lost) {
    report.outcome = Outcome::kLockLost;
    report.cause = base::Status::FailedPrecondition("instance " + b.instance_uuid + " was locked by someone else");
    base::Status removed = journal.Remove();
    if (!removed.ok()) ports.log.Warning(removed.message());
    return report;
  }
  if (status.ok()) {
    report.attachment_id = new_id;
    report.done = std::move(sweep_lines);
    return report;
  }
  if (steps.peer() == Peer::kInterrupt) {
    ports.log.Warning("refresh " + status.message() + " before step '" + steps.current() + "'; reconciling");
  } else {
    ports.log.Warning("refresh failed at step '" + std::string(steps.current()) + "': " + status.message() +
                      "; reconciling");
  }
  report = Reconcile(journal, ports, DryRun::kNo, UnitLock::kKeep);
  report.done.insert(report.done.begin(), sweep_lines.begin(), sweep_lines.end());
  report.failed_step = steps.current();
  report.failed_peer = steps.peer();
  report.cause = status;
  return report;
}

}  // namespace agent::refresh

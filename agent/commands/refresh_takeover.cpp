#include "agent/commands/refresh_takeover.h"

#include <thread>

#include "agent/exit_codes.h"
#include "agent/refresh/prerequisites.h"
#include "agent/refresh/reconcile.h"
#include "agent/refresh/stray_attachments.h"
#include "agent/refresh/takeover.h"

namespace agent::commands {
namespace {

TakeoverResult Ended(int code, std::string error) {
  TakeoverResult result;
  result.kind = TakeoverResult::Kind::kEnded;
  result.ending.code = code;
  result.ending.error = std::move(error);
  return result;
}

// The decision from what the database says now.
base::Result<refresh::TakeoverDecision> Decide(const TakeoverInputs& in, bool instance_locked) {
  const db::BlockDeviceMapping& bdm = in.found.bdm;
  db::CellDatabase& cell = *in.found.cell_db;
  refresh::TakeoverFacts facts;
  facts.redelivered = in.request.takeover->redelivered;
  facts.min_lock_age = in.request.takeover->min_lock_age;
  facts.lock_reason = refresh::LockReason(bdm.uuid.value_or(""), bdm.instance_uuid, bdm.volume_id.value_or(""));
  if (instance_locked) {
    BASE_TRY_ASSIGN(facts.locked_reason, cell.LockedReason(bdm.instance_uuid));
    if (!facts.locked_reason) facts.locked_reason = "";  // locked, without a reason: not ours
  }
  if (facts.locked_reason == facts.lock_reason) {
    // (read in place: GCC 12 -O2 takes a moved-out optional's string for uninitialized)
    const auto lock = cell.FindInstanceAction(bdm.instance_uuid, in.request.request_ids->lock);
    if (!lock.ok()) return lock.error();
    if (*lock && (*lock)->action == "lock") facts.lock_action_age_seconds = (*lock)->age_seconds;
  }
  return refresh::DecideTakeover(facts);
}

// The new attachment the other agent's refresh made, when it can be told
// (see the header); nullopt when it made none that the live state shows.
base::Result<std::optional<std::string>> NewAttachment(const TakeoverInputs& in) {
  const std::optional<std::string>& planned = in.request.expect->attachment_id;
  const std::optional<std::string>& current = in.found.bdm.attachment_id;
  if (current != planned) return current;
  if (!planned) return std::optional<std::string>();
  auto old = in.cinder.Get(*planned);
  if (old.ok()) return std::optional<std::string>();  // not deleted yet: nothing was connected anew
  if (!old.error().IsNotFound()) return old.error();
  BASE_TRY_ASSIGN(std::vector<cinder::Attachment> listed,
                  in.cinder.ListAttachments(in.found.bdm.volume_id.value_or("")));
  const std::vector<std::string> named{*planned};
  std::optional<std::string> connected;
  for (const refresh::StrayAttachment& stray : refresh::FindStrayAttachments(listed, in.found.bdm.instance_uuid, named)) {
    if (stray.kind != refresh::StrayKind::kForeign) continue;  // bare reservations: reconcile finds them
    if (connected) return std::optional<std::string>();         // more than one: leave them to the operator
    connected = stray.attachment.id;
  }
  return connected;
}

}  // namespace

TakeoverResult TakeOverIfOurs(const TakeoverInputs& in) {
  const db::BlockDeviceMapping& bdm = in.found.bdm;
  refresh::TakeoverDecision decision;
  for (int attempt = 0;; ++attempt) {
    auto decided = Decide(in, in.instance.locked);
    if (!decided.ok()) return Ended(exit_code::ForDatabase(decided.error(), false), decided.error().message());
    decision = std::move(*decided);
    if (decision.kind != refresh::TakeoverKind::kWait || attempt > 0) break;
    in.log.Info(decision.why);
    const auto until = std::chrono::steady_clock::now() + decision.wait;
    while (std::chrono::steady_clock::now() < until) {
      if (in.stop != nullptr && in.stop->requested()) {
        return Ended(exit_code::kInterrupted, "interrupted (" + std::string(in.stop->reason()) +
                                                  ") while waiting to take over the refresh; nothing changed");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  switch (decision.kind) {
    case refresh::TakeoverKind::kNotOurs: return {};
    case refresh::TakeoverKind::kRefuse:
    case refresh::TakeoverKind::kWait: return Ended(exit_code::kRefreshInstanceLocked, decision.why);
    case refresh::TakeoverKind::kTakeOver: break;
  }
  in.log.Warning(decision.why);

  auto connector = in.connector(in.instance.host.value_or(""));
  if (auto* error = std::get_if<refresh::ConnectorError>(&connector)) {
    return Ended(error->kind == refresh::ConnectorFailure::kMissing ? exit_code::kRefreshConnectorMissing
                                                                     : exit_code::kRefreshConnectorInvalid,
                 "cannot take over the refresh: " + error->status.message());
  }
  auto created = NewAttachment(in);
  if (!created.ok()) return Ended(exit_code::kRefreshCinderUnavailable, created.error().message());
  // The compute is never called by a takeover: the plan's RPC version does not matter.
  refresh::JournalBegin begin = refresh::MakeJournalBegin(in.found, in.instance, std::get<refresh::Connector>(connector),
                                                          proto_compat::RemoveVolumeConnectionCall{}, in.event_host,
                                                          *in.request.request_ids);
  begin.old_attachment_id = in.request.expect->attachment_id;
  auto journal = refresh::RefreshJournal::Create(in.state_dir, begin, in.journal_sync);
  if (!journal.ok()) {
    return Ended(journal.error().code() == base::Code::kFailedPrecondition ? exit_code::kRefreshAlreadyRunning
                                                                           : exit_code::kConfig,
                 journal.error().message());
  }
  using refresh::JournalStep;
  for (JournalStep step : {JournalStep::kLocked, JournalStep::kActionStarted, JournalStep::kCreatingAttachment}) {
    if (base::Status recorded = journal->Record(step); !recorded.ok()) return Ended(exit_code::kConfig, recorded.message());
  }
  if (*created) {
    in.log.Info("the interrupted refresh's new attachment is " + **created);
    if (base::Status recorded = journal->Record(JournalStep::kAttachmentCreated, **created); !recorded.ok()) {
      return Ended(exit_code::kConfig, recorded.message());
    }
  }
  const refresh::RefreshReport report = refresh::Reconcile(*journal, {*in.found.cell_db, in.cinder, in.log});
  RefreshEnding ending = FinishReport(report, begin, in.log);
  if (report.outcome == refresh::Outcome::kRolledBack && ending.code == exit_code::kOk) {
    TakeoverResult result;
    result.kind = TakeoverResult::Kind::kRolledBack;
    result.lines = std::move(ending.lines);
    in.log.Info("took over the refresh of BDM " + bdm.uuid.value_or(std::to_string(bdm.id)) +
                ": rolled back; refreshing it again");
    return result;
  }
  ending.taken_over = true;
  ending.lines.insert(ending.lines.begin(), "took over the refresh another agent left half done: " + decision.why);
  TakeoverResult result;
  result.kind = TakeoverResult::Kind::kEnded;
  result.ending = std::move(ending);
  return result;
}

}  // namespace agent::commands

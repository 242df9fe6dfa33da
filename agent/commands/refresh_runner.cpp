#include "agent/commands/refresh_runner.h"

#include <chrono>
#include <random>

#include "agent/db/bdm_locator.h"
#include "agent/exit_codes.h"
#include "agent/refresh/compute_link.h"
#include "agent/refresh/prerequisites.h"
#include "agent/refresh/refresh_begin.h"
#include "agent/commands/refresh_takeover.h"
#include "proto_compat/request_context.h"

namespace agent::commands {
namespace {

using refresh::CheckFailure;

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

// One refresh request: its state between the phases.
class Runner {
 public:
  Runner(const RefreshRequest& request, const ConnectorSource& connector, NovaSession& session,
         const RefreshContext& context)
      : r_(request), connector_source_(connector), session_(session), context_(context), log_(context.log) {}

  RefreshEnding Run();

 private:
  RefreshEnding Fail(int code, std::string message) {
    ending_.code = code;
    ending_.error = std::move(message);
    return std::move(ending_);
  }
  bool dry_run() const { return r_.dry_run == refresh::DryRun::kYes; }
  PeerTime* time(PeerTime PeerTimes::*member) const {
    return context_.times == nullptr ? nullptr : &(context_.times->*member);
  }
  db::LocateResult Locate() {
    const BdmSelection& s = r_.selection;
    return s.bdm_uuid.empty() ? db::LocateVolumeBdm(*session_.nova_db, s.instance_uuid, s.volume_id, log_)
                              : db::LocateBdmByUuid(*session_.nova_db, s.bdm_uuid, log_);
  }
  // Finishes an earlier refresh of the instance left in its journal (a dry
  // run says what it would do); kOk when there was none or it is consistent.
  int RecoverEarlier(db::CellDatabase& cell, cinder::AttachmentApi& cinder, const std::string& instance_uuid);
  // A batch over RPC: finishes a refresh of this request that another agent
  // left half done (refresh_takeover.h). kTakeoverNotOurs / kTakeoverRolledBack,
  // or any other value: ending_ holds the request's ending.
  static constexpr int kTakeoverNotOurs = 0, kTakeoverRolledBack = 1, kTakeoverEnded = 2;
  int TakeOver(const db::LocatedBdm& found, db::CellDatabase& cell, cinder::AttachmentApi& cinder);
  bool StopRequested() const { return stop_ != nullptr && stop_->requested(); }
  RefreshEnding FailInterrupted() {
    return Fail(exit_code::kInterrupted,
                "interrupted (" + std::string(stop_->reason()) + ") before the refresh changed anything");
  }
  void AddPlan(const db::BlockDeviceMapping& bdm, const refresh::JournalBegin& begin,
               const proto_compat::RemoveVolumeConnectionCall& plan, const std::string& volume_status,
               const std::string& connector_host);

  const RefreshRequest& r_;
  const ConnectorSource& connector_source_;
  NovaSession& session_;
  const RefreshContext& context_;
  const Log& log_;
  RefreshSettings settings_;
  RefreshEnding ending_;
  bool recovered_earlier_ = false;
  const StopRequest* stop_ = nullptr;
};

int Runner::RecoverEarlier(db::CellDatabase& cell, cinder::AttachmentApi& cinder, const std::string& instance_uuid) {
  using Mode = refresh::RefreshJournal::Mode;
  auto earlier = refresh::RefreshJournal::Open(settings_.state_dir, instance_uuid,
                                               dry_run() ? Mode::kReadOnly : Mode::kWrite);
  if (!earlier.ok()) {
    ending_.error = earlier.error().message();
    return exit_code::ForJournalOpen(earlier.error());
  }
  if (!*earlier) return exit_code::kOk;
  recovered_earlier_ = true;
  if (dry_run()) {
    ending_.lines.push_back("would first recover an earlier refresh of instance " + instance_uuid + " (" +
                            (*earlier)->path() + "):");
    const refresh::RefreshReport report = refresh::Reconcile(**earlier, {cell, cinder, log_}, refresh::DryRun::kYes);
    for (const std::string& line : report.done) ending_.lines.push_back("  " + line);
    if (report.outcome == refresh::Outcome::kNeedsRecovery) {
      ending_.error = "cannot plan the recovery: " + report.blocker.message();
      return exit_code::kRefreshNeedsRecovery;
    }
    return exit_code::kOk;
  }
  log_.Warning("an earlier refresh of instance " + instance_uuid + " did not finish; recovering it first");
  const refresh::RefreshReport report = refresh::Reconcile(**earlier, {cell, cinder, log_});
  RefreshEnding recovered = FinishReport(report, (*earlier)->state().begin, log_);
  ending_.lines.insert(ending_.lines.end(), recovered.lines.begin(), recovered.lines.end());
  if (report.outcome != refresh::Outcome::kNeedsRecovery) return exit_code::kOk;
  ending_.error = std::move(recovered.error);
  return recovered.code;
}

int Runner::TakeOver(const db::LocatedBdm& found, db::CellDatabase& cell, cinder::AttachmentApi& cinder) {
  auto instance = cell.FindInstance(found.bdm.instance_uuid);
  if (!instance.ok()) {
    ending_.code = exit_code::ForDatabase(instance.error(), false);
    ending_.error = instance.error().message();
    return kTakeoverEnded;
  }
  if (!*instance || !(*instance)->locked) return kTakeoverNotOurs;
  TakeoverResult result = TakeOverIfOurs({r_, found, **instance, cinder, connector_source_, settings_.state_dir,
                                          session_.conf.host, log_, time(&PeerTimes::journal_sync), stop_});
  switch (result.kind) {
    case TakeoverResult::Kind::kNotOurs: return kTakeoverNotOurs;
    case TakeoverResult::Kind::kRolledBack:
      ending_.lines.insert(ending_.lines.end(), result.lines.begin(), result.lines.end());
      return kTakeoverRolledBack;
    case TakeoverResult::Kind::kEnded:
      result.ending.lines.insert(result.ending.lines.begin(), ending_.lines.begin(), ending_.lines.end());
      ending_ = std::move(result.ending);
      return kTakeoverEnded;
  }
  return kTakeoverNotOurs;
}

void Runner::AddPlan(const db::BlockDeviceMapping& bdm, const refresh::JournalBegin& begin,
                     const proto_compat::RemoveVolumeConnectionCall& plan, const std::string& volume_status,
                     const std::string& connector_host) {
  std::vector<std::string>& out = ending_.lines;
  out.push_back("would refresh BDM " + bdm.uuid.value_or("-") + " (instance " + begin.instance_uuid + ", volume " +
                begin.volume_id + ", volume status " + volume_status + ")");
  out.push_back(begin.lock_scope == refresh::LockScope::kUnitHeld
                    ? "  (the instance stays locked by its batch unit: " + begin.lock_reason + ")"
                    : "  lock the instance: " + begin.lock_reason);
  out.push_back("  start instance action refresh_volume_attachment (" + begin.action_request_id + ")");
  out.push_back("  delete the volume's abandoned reservations for the instance, if any");
  out.push_back("  reserve a new Cinder attachment for the volume");
  out.push_back("  call remove_volume_connection " + plan.version + " on " + plan.topic + "." + begin.compute_host +
                " (Instance " + std::string(proto_compat::InstanceVersionName(plan.instance_version)) +
                (plan.delete_attachment ? ", delete_attachment=True" : "") + ")");
  if (!plan.delete_attachment && bdm.attachment_id) out.push_back("  delete the old attachment " + *bdm.attachment_id);
  out.push_back("  update the new attachment with the connector of host " + connector_host + " (mountpoint " +
                bdm.device_name.value_or("-") + ")");
  out.push_back("  save attachment_id and connection_info on the BDM (id " + std::to_string(bdm.id) +
                "), complete the attachment");
  out.push_back(begin.lock_scope == refresh::LockScope::kRefresh
                    ? "  finish the action and unlock; journal in " + settings_.state_dir
                    : "  finish the action (the batch unit unlocks); journal in " + settings_.state_dir);
}

RefreshEnding Runner::Run() {
  const config::NovaConfig& conf = session_.conf;
  db::NovaDatabase& nova_db = *session_.nova_db;
  auto settings = LoadRefreshSettings(conf, r_.state_dir, r_.allowed_hypervisor_types);
  if (!settings.ok()) return Fail(exit_code::kConfig, settings.error().message());
  settings_ = std::move(*settings);
  if (base::Status usable = refresh::CheckStateDir(settings_.state_dir); !usable.ok()) {
    return Fail(exit_code::kConfig, usable.message());
  }

  db::LocateResult found = Locate();
  if (!found.ok()) {
    return Fail(exit_code::ForLocate(found.failure(), found.status(), exit_code::kRefreshInstanceNotFound,
                                     exit_code::kRefreshBdmNotFound),
                found.status().message());
  }
  db::CellDatabase& cell = *found.value().cell_db;
  const std::string instance_uuid = found.value().bdm.instance_uuid;
  if (!refresh::IsCanonicalUuid(instance_uuid)) {
    return Fail(exit_code::kCorruptData,
                "the BDM's instance_uuid '" + instance_uuid + "' is not a uuid; refusing to refresh it");
  }

  std::mt19937_64 rng(std::random_device{}());
  proto_compat::RequestContext action_context = proto_compat::MakeAdminContext(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()), rng);
  std::optional<refresh::RefreshRequestIds> ids = r_.request_ids;
  if (ids) action_context.request_id = ids->action;
  auto cinder = OpenCinder(conf, action_context.request_id, context_.times, context_.cinder_access);
  if (!cinder.ok()) {
    return Fail(cinder.error().code() == base::Code::kInvalidInput ? exit_code::kConfig
                                                                   : exit_code::kRefreshCinderUnavailable,
                cinder.error().message());
  }
  // From here on a real run may change things (recovering an earlier refresh first).
  if (!dry_run() && context_.arm_stop) stop_ = context_.arm_stop();
  if (int code = RecoverEarlier(cell, **cinder, instance_uuid); code != exit_code::kOk) {
    return Fail(code, std::move(ending_.error));
  }
  if (StopRequested()) return FailInterrupted();
  if (recovered_earlier_ && !dry_run()) found = Locate();  // recovery may have changed the BDM
  if (!found.ok()) {
    return Fail(exit_code::ForLocate(found.failure(), found.status(), exit_code::kRefreshInstanceNotFound,
                                     exit_code::kRefreshBdmNotFound),
                found.status().message());
  }
  if (r_.takeover && ids && r_.expect && !dry_run()) {
    switch (TakeOver(found.value(), cell, **cinder)) {
      case kTakeoverNotOurs: break;
      case kTakeoverRolledBack:
        // The rolled back attempt keeps its ids (its actions are in the database); this one gets fresh ones.
        ids.reset();
        action_context.request_id = proto_compat::MakeAdminContext(
            std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()), rng).request_id;
        found = Locate();
        if (!found.ok()) {
          return Fail(exit_code::ForLocate(found.failure(), found.status(), exit_code::kRefreshInstanceNotFound,
                                           exit_code::kRefreshBdmNotFound),
                      found.status().message());
        }
        break;
      default: return std::move(ending_);
    }
  }
  const db::BlockDeviceMapping bdm = found.value().bdm;
  if (r_.expect && r_.expect->attachment_id != bdm.attachment_id) {
    ending_.attachment_changed = true;
    ending_.lines.push_back("BDM " + bdm.uuid.value_or(std::to_string(bdm.id)) + " holds attachment " +
                            bdm.attachment_id.value_or("none") + ", not the planned " +
                            r_.expect->attachment_id.value_or("none") + ": not refreshed again");
    return std::move(ending_);
  }

  auto instance = cell.FindInstance(instance_uuid);
  if (!instance.ok()) return Fail(exit_code::ForDatabase(instance.error(), false), instance.error().message());
  if (!*instance) return Fail(exit_code::kRefreshInstanceNotFound, "Instance " + instance_uuid + " could not be found.");
  auto connector_given = connector_source_((*instance)->host.value_or(""));
  if (auto* error = std::get_if<refresh::ConnectorError>(&connector_given)) {
    return Fail(error->kind == refresh::ConnectorFailure::kMissing ? exit_code::kRefreshConnectorMissing
                                                                   : exit_code::kRefreshConnectorInvalid,
                error->status.message());
  }
  const refresh::Connector& connector = std::get<refresh::Connector>(connector_given);
  std::optional<std::string> hypervisor_type;
  if ((*instance)->host && (*instance)->node) {
    auto type = cell.ComputeNodeHypervisorType(*(*instance)->host, *(*instance)->node);
    if (!type.ok()) return Fail(exit_code::ForDatabase(type.error(), false), type.error().message());
    hypervisor_type = *type;
  }
  db::InstanceSummary checked = **instance;
  if (r_.unit_lock && r_.unit_lock->held) {  // the unit's own lock is no obstacle; any other is
    auto reason = cell.LockedReason(instance_uuid);
    if (!reason.ok()) return Fail(exit_code::ForDatabase(reason.error(), false), reason.error().message());
    if (!checked.locked || *reason != r_.unit_lock->reason) {
      return Fail(exit_code::kRefreshInstanceLocked,
                  "instance " + instance_uuid + " is no longer locked by its batch unit");
    }
    checked.locked = false;
  }
  if (auto failed = refresh::CheckRefreshPrerequisites(
          {checked, bdm, hypervisor_type, connector.host, settings_.allowed_hypervisor_types})) {
    return Fail(ExitCodeForCheck(failed->kind), failed->message);
  }

  auto volume = (*cinder)->GetVolume(*bdm.volume_id);
  if (!volume.ok()) {
    return Fail(volume.error().IsNotFound() ? exit_code::kRefreshCinderFailed : exit_code::kRefreshCinderUnavailable,
                volume.error().message());
  }
  auto plan = refresh::PlanComputeCall(nova_db, conf, log_);
  if (!plan.ok()) {
    return Fail(plan.error().code() == base::Code::kInvalidInput ? exit_code::kConfig
                                                                 : exit_code::kRefreshComputeTooOld,
                plan.error().message());
  }
  refresh::JournalBegin begin =
      ids ? refresh::MakeJournalBegin(found.value(), **instance, connector, *plan, conf.host, *ids)
          : refresh::MakeJournalBegin(found.value(), **instance, connector, *plan, conf.host,
                                      action_context.request_id, rng);
  if (r_.unit_lock) refresh::UseUnitLock(begin, *r_.unit_lock);

  auto compute = context_.compute_connection == nullptr
                     ? refresh::RpcComputeLink::Connect(conf, *plan, log_, time(&PeerTimes::broker))
                     : refresh::RpcComputeLink::Over(*context_.compute_connection, conf, *plan, log_,
                                                     time(&PeerTimes::broker));
  if (!compute.ok()) {
    return Fail(compute.error().code() == base::Code::kInvalidInput ? exit_code::kConfig
                                                                    : exit_code::kRefreshBrokerUnavailable,
                compute.error().message());
  }
  auto record = cell.LoadInstance(instance_uuid);
  if (!record.ok()) return Fail(exit_code::ForDatabase(record.error(), false), record.error().message());
  if (!*record) return Fail(exit_code::kRefreshInstanceNotFound, "Instance " + instance_uuid + " could not be found.");

  if (dry_run()) {
    AddPlan(bdm, begin, *plan, volume->status, connector.host);
    return std::move(ending_);
  }
  if (StopRequested()) return FailInterrupted();
  auto journal = refresh::RefreshJournal::Create(settings_.state_dir, begin, time(&PeerTimes::journal_sync));
  if (!journal.ok()) {
    return Fail(journal.error().code() == base::Code::kFailedPrecondition ? exit_code::kRefreshAlreadyRunning
                                                                          : exit_code::kConfig,
                journal.error().message());
  }
  if (context_.hooks != nullptr) context_.hooks->AfterJournalStep("begin", stop_);
  const refresh::RefreshReport report = refresh::RunRefresh(*journal, std::move(**record), *compute,
                                                           {cell, **cinder, log_, stop_, context_.hooks});
  RefreshEnding finished = FinishReport(report, begin, log_);
  finished.lines.insert(finished.lines.begin(), ending_.lines.begin(), ending_.lines.end());
  if (finished.code == exit_code::kOk && StopRequested()) {  // the signal came during the last step
    finished.code = exit_code::kInterrupted;
    finished.error =
        "interrupted (" + std::string(stop_->reason()) + ") during the last step; the refresh finished";
  }
  return finished;
}

}  // namespace

RefreshEnding RunRefreshRequest(const RefreshRequest& request, const ConnectorSource& connector, NovaSession& session,
                                const RefreshContext& context) {
  return Runner(request, connector, session, context).Run();
}

}  // namespace agent::commands

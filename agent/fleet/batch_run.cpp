#include "agent/fleet/batch_run.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <utility>

#include "agent/exit_codes.h"
#include "agent/fleet/unit_lock.h"

namespace agent::fleet {
namespace {

// The batch's own reason to stop (the run journal cannot be written), or the caller's.
class BatchStop final : public StopRequest {
 public:
  explicit BatchStop(const StopRequest* outer) : outer_(outer) {}

  bool requested() const override { return failed_.load() || (outer_ != nullptr && outer_->requested()); }
  std::string_view reason() const override {
    return failed_.load() ? std::string_view("the run journal cannot be written") : outer_->reason();
  }
  void Fail() { failed_ = true; }

 private:
  const StopRequest* outer_;
  std::atomic<bool> failed_{false};
};



// The one line the journal keeps of an ending.
std::string DetailOf(const commands::RefreshEnding& ending) {
  if (!ending.error.empty()) return ending.error;
  return ending.lines.empty() ? std::string() : ending.lines.back();
}

// Where the batch waited: per peer, the wall time during which at least one
// worker had a call to it in flight (a peer busy all the run long is the
// bottleneck); the broker's calls are timed by the RPC client and summed.
std::string PeerTimesLine(const PeerTimes& times) {
  const auto ms = [](const PeerTime& t) { return std::chrono::duration<double, std::milli>(t.total).count(); };
  char line[320];
  std::snprintf(line, sizeof line,
                "batch peer time (wall with a call in flight, over all workers): database %.1f ms (%d calls), "
                "broker %.1f ms summed (%d calls), cinder %.1f ms (%d requests), keystone %.1f ms, journal sync %.1f ms",
                ms(times.database), times.database.calls, ms(times.broker), times.broker.calls, ms(times.cinder),
                times.cinder.calls, ms(times.keystone), ms(times.journal_sync));
  return line;
}

// One unit's lock over its BDMs (unit_lock.h): the ids the next refresh
// uses, whether the unit holds the lock, and the unlock at the end. One
// thread.
class UnitLockKeeper {
 public:
  UnitLockKeeper(RunJournal& journal, std::string run_id, commands::NovaSession& session, const Log& log,
                 std::string instance_uuid)
      : journal_(journal),
        run_id_(std::move(run_id)),
        session_(session),
        log_(log),
        instance_(std::move(instance_uuid)),
        rng_(std::random_device{}()) {}

  // The lock for BDM `index`'s refresh: the held one, or a new one (its
  // unit_lock line written first; the start line makes it durable).
  base::Result<refresh::UnitLockIds> ForNextRefresh(std::size_t index) {
    if (!held_) {
      ids_ = NewUnitLock(run_id_, instance_, rng_);
      BASE_TRY(journal_.RecordUnitLock(index, ids_.reason, ids_.unlock));
      records_.push_back(index);
    }
    refresh::UnitLockIds ids = ids_;
    ids.held = held_;
    return ids;
  }

  // After each refresh: whether the unit holds the lock now (a refresh that
  // stopped before locking, or found the instance locked, took none). When
  // the database cannot say, the lock is taken as held: a unit never takes
  // a second lock while it may hold one.
  void Refreshed() {
    if (records_.empty()) return;
    auto cell = Cell();
    auto held = cell.ok() ? LockedWith(**cell, instance_, ids_.reason) : base::Result<bool>(cell.error());
    held_ = held.ok() ? *held : true;
  }

  // Unlocks the instance if the unit holds it, and records that its locks
  // are let go. A refresh left needing recovery keeps the lock (its
  // recovery unlocks); so does an unlock the database refused, with a
  // warning (resume and `recover` unlock it). Returns the run journal's
  // write error only.
  base::Status Release(bool needs_recovery) {
    if (records_.empty()) return base::Status::Ok();
    const std::string left = "instance " + instance_ + " stays locked by this batch run";
    if (needs_recovery) {
      log_.Warning(left + " until its refresh is recovered (bdm-agent recover, or refresh --resume)");
      return base::Status::Ok();
    }
    if (held_) {
      auto cell = Cell();
      auto unlocked = cell.ok() ? (*cell)->UnlockInstance({instance_, ids_.unlock, session_.conf.host, ids_.reason})
                                : base::Result<bool>(cell.error());
      if (!unlocked.ok()) {
        log_.Warning(left + ": " + unlocked.error().message() + "; bdm-agent refresh --resume or recover unlocks it");
        return base::Status::Ok();
      }
      if (!*unlocked) log_.Warning("instance " + instance_ + " was no longer locked by this batch run");
    }
    for (std::size_t index : records_) BASE_TRY(journal_.RecordUnitUnlocked(index));
    return base::Status::Ok();
  }

 private:
  base::Result<db::CellDatabase*> Cell() {
    if (!cell_) {
      BASE_TRY_ASSIGN(cell_, CellOfInstance(*session_.nova_db, instance_));
    }
    return cell_;
  }

  RunJournal& journal_;
  const std::string run_id_;
  commands::NovaSession& session_;
  const Log& log_;
  const std::string instance_;
  std::mt19937_64 rng_;
  db::CellDatabase* cell_ = nullptr;
  refresh::UnitLockIds ids_;
  bool held_ = false;
  std::vector<std::size_t> records_;  // this unit's unit_lock lines
};

// Before a run (or its resume) starts: lets go of the unit locks an earlier
// process of the run left (unit_lock.h). One that cannot be let go now is
// named and kept for later; only the run journal's write error is returned.
base::Status ReleaseLeftLocks(RunJournal& journal, const BatchSettings& settings, const BatchPorts& ports,
                              BatchWorker& worker, PeerTimes* times) {
  std::vector<UnitLockRecord> left;
  for (const UnitLockRecord& record : journal.state().unit_locks) {
    if (!record.released) left.push_back(record);
  }
  if (left.empty()) return base::Status::Ok();
  commands::NovaSession& session = worker.Session(ports.conf, ports.log, &times->database);
  auto refresh_settings = commands::LoadRefreshSettings(ports.conf, settings.state_dir, {});
  if (!refresh_settings.ok()) {
    ports.log.Warning("locks left by an earlier process not checked: " + refresh_settings.error().message());
    return base::Status::Ok();
  }
  for (const UnitLockRecord& record : left) {
    const std::string& instance = journal.state().bdms[record.index].plan.instance_uuid;
    auto lines = ReleaseLeftLock({instance, record.reason, record.unlock_request_id}, session,
                                 refresh_settings->state_dir, ports.cinder_access, ports.log);
    if (!lines.ok()) {
      ports.log.Warning("instance " + instance + " stays locked by this batch run: " + lines.error().message());
      continue;
    }
    for (const std::string& line : *lines) ports.log.Warning("left by an earlier process of the run: " + line);
    BASE_TRY(journal.RecordUnitUnlocked(record.index));
  }
  return base::Status::Ok();
}

}  // namespace

commands::NovaSession& BatchWorker::Session(const config::NovaConfig& conf, const Log& log, PeerTime* database_time) {
  if (!session_) {
    session_ = commands::MakeNovaSession(conf, log, database_time);
    // Options that do not parse leave it empty: each refresh then fails on them as a single one does.
    if (auto connection = refresh::ComputeConnection::FromConfig(conf); connection.ok()) {
      compute_.emplace(std::move(*connection));
    }
  }
  return *session_;
}

Units GroupByInstance(const RunState& state) {
  Units units;
  std::map<std::string, std::size_t> unit_of;
  for (std::size_t i = 0; i < state.bdms.size(); ++i) {
    const RunBdm& bdm = state.bdms[i];
    if (bdm.progress == BdmProgress::kEnded) continue;
    auto [it, added] = unit_of.try_emplace(bdm.plan.instance_uuid, units.bdms.size());
    if (added) {
      units.bdms.emplace_back();
      units.hosts.push_back(bdm.plan.host);
    }
    units.bdms[it->second].push_back(i);
  }
  return units;
}

commands::RefreshRequest RequestFor(const PlannedBdm& plan, const BatchSettings& settings) {
  commands::RefreshRequest request;
  if (plan.bdm_uuid) {
    request.selection.bdm_uuid = *plan.bdm_uuid;
  } else {
    request.selection.instance_uuid = plan.instance_uuid;
    request.selection.volume_id = plan.volume_id;
  }
  request.expect = commands::ExpectedAttachment{plan.attachment_id};
  request.state_dir = settings.state_dir;
  request.allowed_hypervisor_types = settings.allowed_hypervisor_types;
  return request;
}

std::size_t BatchTotals::failed() const {
  std::size_t n = 0;
  for (const auto& [outcome, count] : outcomes) {
    if (IsFailure(outcome)) n += count;
  }
  return n;
}

BatchTotals TotalsOf(const RunState& state) {
  BatchTotals totals;
  for (const RunBdm& bdm : state.bdms) {
    if (bdm.progress != BdmProgress::kEnded) {
      ++totals.not_ended;
      continue;
    }
    ++totals.outcomes[BatchOutcomeByName(bdm.outcome).value_or(BatchOutcome::kFailed)];
  }
  return totals;
}

base::Result<BatchTotals> RunBatch(RunJournal& journal, const BatchSettings& settings, const BatchPorts& ports,
                                   const BdmEnded& ended) {
  const Units units = GroupByInstance(journal.state());
  const std::string run_id = journal.state().header.run_id;
  BatchStop stop(ports.stop);    // no further BDM starts
  BatchStop abort(ports.abort);  // the refreshes in flight stop at their next step
  std::mutex mutex;  // guards journal_error and the `ended` calls
  base::Status journal_error = base::Status::Ok();
  std::vector<BatchWorker> workers(static_cast<std::size_t>(settings.limits.workers));
  PeerTimes times;  // shared by the workers: per peer, the wall time with a call in flight (the debug line)

  const auto journal_failed = [&](const base::Status& status) {
    std::lock_guard lock(mutex);
    if (journal_error.ok()) journal_error = status;
    stop.Fail();
    abort.Fail();
  };
  if (base::Status released = ReleaseLeftLocks(journal, settings, ports, workers.front(), &times); !released.ok()) {
    return released;
  }

  auto run_unit = [&](std::size_t unit, int worker_index) {
    BatchWorker& worker = workers[static_cast<std::size_t>(worker_index)];
    commands::NovaSession& session = worker.Session(ports.conf, ports.log, &times.database);
    const std::vector<std::size_t>& bdms = units.bdms[unit];
    // Two BDMs or more: one lock for them all (unit_lock.h); one is
    // refreshed as a single refresh is, under its own lock.
    std::optional<UnitLockKeeper> unit_lock;
    if (bdms.size() > 1) {
      unit_lock.emplace(journal, run_id, session, ports.log, journal.Entry(bdms.front()).plan.instance_uuid);
    }
    bool needs_recovery = false;
    for (std::size_t index : bdms) {
      if (stop.requested()) break;
      commands::RefreshRequest request = RequestFor(journal.Entry(index).plan, settings);
      if (unit_lock) {
        auto ids = unit_lock->ForNextRefresh(index);
        if (!ids.ok()) {
          journal_failed(ids.error());
          break;
        }
        request.unit_lock = *ids;
      }
      if (base::Status started = journal.RecordStart(index); !started.ok()) {
        journal_failed(started);
        break;
      }
      const commands::RefreshContext context{ports.log, &times, ports.hooks,
                                             [&abort]() -> const StopRequest* { return &abort; }, ports.cinder_access,
                                             worker.compute_connection()};
      const commands::RefreshEnding ending = commands::RunRefreshRequest(request, ports.connector, session, context);
      if (unit_lock) unit_lock->Refreshed();
      // Its journal is kept for `recover`; the instance's other BDMs wait for that (resume).
      needs_recovery = ending.code == exit_code::kRefreshNeedsRecovery;
      const std::optional<BatchOutcome> outcome = OutcomeOf(ending);
      if (!outcome) break;  // interrupted: no outcome, resume decides
      base::Status written = journal.RecordEnd(index, BatchOutcomeName(*outcome), ending.code, DetailOf(ending));
      {
        std::lock_guard lock(mutex);
        if (ended) ended(index, journal.Entry(index), ending);
      }
      if (!written.ok()) {
        journal_failed(written);
        break;
      }
      if (ports.hooks != nullptr) ports.hooks->AfterJournalStep("batch_bdm_ended", &abort);
      if (needs_recovery && unit_lock) break;
    }
    if (unit_lock) {
      if (base::Status released = unit_lock->Release(needs_recovery); !released.ok()) journal_failed(released);
    }
  };
  RunUnits(units.hosts, settings.limits, run_unit, &stop);
  if (ports.log.debug_enabled()) ports.log.Debug(PeerTimesLine(times));
  if (!journal_error.ok()) return journal_error;
  return TotalsOf(journal.state());
}

}  // namespace agent::fleet

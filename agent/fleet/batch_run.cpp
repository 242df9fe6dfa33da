#include "agent/fleet/batch_run.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <utility>


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
  BatchStop stop(ports.stop);    // no further BDM starts
  BatchStop abort(ports.abort);  // the refreshes in flight stop at their next step
  std::mutex mutex;  // guards journal_error and the `ended` calls
  base::Status journal_error = base::Status::Ok();
  std::vector<BatchWorker> workers(static_cast<std::size_t>(settings.limits.workers));
  PeerTimes times;  // shared by the workers: per peer, the wall time with a call in flight (the debug line)

  auto run_unit = [&](std::size_t unit, int worker_index) {
    BatchWorker& worker = workers[static_cast<std::size_t>(worker_index)];
    commands::NovaSession& session = worker.Session(ports.conf, ports.log, &times.database);
    for (std::size_t index : units.bdms[unit]) {
      if (stop.requested()) return;
      if (base::Status started = journal.RecordStart(index); !started.ok()) {
        std::lock_guard lock(mutex);
        if (journal_error.ok()) journal_error = started;
        stop.Fail();
        abort.Fail();
        return;
      }
      const commands::RefreshContext context{ports.log, &times, ports.hooks,
                                             [&abort]() -> const StopRequest* { return &abort; }, ports.cinder_access,
                                             worker.compute_connection()};
      const commands::RefreshEnding ending =
          commands::RunRefreshRequest(RequestFor(journal.Entry(index).plan, settings), ports.connector,
                                      session, context);
      const std::optional<BatchOutcome> outcome = OutcomeOf(ending);
      if (!outcome) return;  // interrupted: no outcome, resume decides
      base::Status written = journal.RecordEnd(index, BatchOutcomeName(*outcome), ending.code, DetailOf(ending));
      std::lock_guard lock(mutex);
      if (!written.ok()) {
        if (journal_error.ok()) journal_error = written;
        stop.Fail();
        abort.Fail();
      }
      if (ended) ended(index, journal.Entry(index), ending);
      if (!written.ok()) return;
    }
  };
  RunUnits(units.hosts, settings.limits, run_unit, &stop);
  if (ports.log.debug_enabled()) ports.log.Debug(PeerTimesLine(times));
  if (!journal_error.ok()) return journal_error;
  return TotalsOf(journal.state());
}

}  // namespace agent::fleet

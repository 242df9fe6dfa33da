// RunBatch: a batch refresh, many single refreshes (RunRefreshRequest, the
// same function `refresh` and `serve` use) over the plan of a run journal:
//   - the BDMs are grouped by instance, in plan order; an instance's BDMs are
//     refreshed one after another on one worker (a unit), so no instance is
//     ever worked on twice at once, under one lock when they are two or
//     more (unit_lock.h; each BDM keeps its own action); locks an earlier
//     process of the run left are let go before anything starts;
//   - units run on RunUnits' workers (batch_scheduler.h): `workers` at once,
//     `per_host` per compute host; each worker has its own NovaSession;
//   - before each BDM's refresh its start line is synced to the run journal;
//     its outcome (batch_outcome.h) is written when it ends;
//   - each refresh is made only while the BDM still holds the attachment the
//     plan recorded, so a BDM that a crashed run had refreshed (start line
//     written, end line lost) is found "already-refreshed", never refreshed
//     twice; an earlier refresh left half done is recovered first, as a
//     single refresh does;
//   - BDMs that have ended in the journal are not touched (resume);
//   - once `stop` is requested no further refresh starts; those in flight
//     finish; once `abort` is, those in flight stop at their next step
//     boundary and roll back (or finish what can no longer be undone);
//     interrupted BDMs keep no outcome, for resume.
// A failure of one BDM does not stop the batch; a run journal that cannot
// be written does (the error is returned; nothing further starts).
//
// Thread safety: `ended` is called from the worker threads one call at a
// time; `connector` must be callable from several threads at once.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/cinder/cinder_client.h"
#include "agent/commands/nova_session.h"
#include "agent/commands/refresh_runner.h"
#include "agent/config/nova_config.h"
#include "agent/fleet/batch_outcome.h"
#include "agent/fleet/batch_scheduler.h"
#include "agent/fleet/run_journal.h"
#include "agent/interrupt.h"
#include "agent/log.h"
#include "agent/refresh/compute_link.h"
#include "agent/test_hooks.h"
#include "base/status.h"

namespace agent::fleet {

struct BatchSettings {
  UnitLimits limits;
  std::optional<std::string> state_dir;                // overrides [bdm_agent] state_dir
  std::vector<std::string> allowed_hypervisor_types;  // as refresh's --allow-hypervisor-type
};

struct BatchPorts {
  const config::NovaConfig& conf;              // each worker makes its NovaSession from it
  const commands::ConnectorSource& connector;  // per compute host; thread-safe
  const Log& log;
  const TestHooks* hooks = nullptr;
  const StopRequest* stop = nullptr;   // no further BDM starts; those in flight finish
  const StopRequest* abort = nullptr;  // also cuts the refreshes in flight short (they roll back)
  cinder::CinderAccessSource cinder_access = {};  // one token for the whole batch
};

// What one batch worker keeps across its refreshes (a dry run's checks
// too): its database session and the broker connection of its compute calls
// (refresh::ComputeConnection), opened by its first refresh. One thread at a
// time.
class BatchWorker {
 public:
  // The worker's session, made on first use (`database_time`, may be
  // nullptr, gets its database time and must outlive the worker).
  commands::NovaSession& Session(const config::NovaConfig& conf, const Log& log, PeerTime* database_time);
  // Its connection for RefreshContext::compute_connection; nullptr before
  // Session(), or when nova.conf's transport options do not parse.
  refresh::ComputeConnection* compute_connection() { return compute_ ? &*compute_ : nullptr; }

 private:
  std::optional<commands::NovaSession> session_;
  std::optional<refresh::ComputeConnection> compute_;
};

// Called as BDM `index` ends, with its journal entry and the refresh's ending.
using BdmEnded = std::function<void(std::size_t index, const RunBdm& bdm, const commands::RefreshEnding& ending)>;

struct BatchTotals {
  std::map<BatchOutcome, std::size_t> outcomes;
  std::size_t not_ended = 0;  // not started, or interrupted: left for resume

  std::size_t failed() const;
};

// The BDMs of `journal`'s plan that have not ended, refreshed as above.
// Returns the totals over the whole plan (BDMs ended in an earlier run
// included), or the run journal's write error.
base::Result<BatchTotals> RunBatch(RunJournal& journal, const BatchSettings& settings, const BatchPorts& ports,
                                   const BdmEnded& ended);

// The single refresh a planned BDM is: selected by its uuid (else instance
// and volume), only while it holds the planned attachment, with the batch's
// state dir and hypervisor types.
commands::RefreshRequest RequestFor(const PlannedBdm& plan, const BatchSettings& settings);

// The totals of a plan as the journal has them.
BatchTotals TotalsOf(const RunState& state);

// The plan's BDMs that have not ended, grouped by instance in plan order:
// the units a batch works on (an instance's BDMs one after another), here
// and in batch_via_rpc.h.
struct Units {
  std::vector<std::vector<std::size_t>> bdms;  // per unit: indices into the plan
  std::vector<std::string> hosts;              // per unit
};
Units GroupByInstance(const RunState& state);

}  // namespace agent::fleet

// UnitLock: the one lock under which a batch refreshes an instance's BDMs
// (issue 12: an instance's BDMs are done one after another in one
// lock/unlock, as one operator action), and how a lock that a crashed run
// left is let go.
//
// The unit's first refresh takes the lock (refresh::LockScope::kUnitTakes)
// after its own checks, as a single refresh would; the next ones find it
// held (kUnitHeld: their checks accept this lock and no other); none of them
// unlocks: the unit does once its last BDM has ended, or it was stopped.
// The reason names the batch run, so that a lock with it is this run's,
// whichever attempt took it. The run journal records each lock a unit takes
// (durable before the refresh that takes it starts) and when it is let go,
// so that `refresh --resume` and `recover` unlock what a crash left locked,
// and only that: an instance locked with any other reason is never touched.
#pragma once

#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "agent/cinder/cinder_client.h"
#include "agent/db/nova_database.h"
#include "agent/log.h"
#include "agent/refresh/reconcile.h"
#include "agent/refresh/refresh_begin.h"
#include "base/result.h"

namespace agent::commands {
struct NovaSession;
}

namespace agent::fleet {

// The reason batch run `run_id` locks `instance_uuid` with.
std::string UnitLockReason(std::string_view run_id, std::string_view instance_uuid);

// A new lock for a unit: the reason, and fresh lock and unlock request ids.
refresh::UnitLockIds NewUnitLock(std::string_view run_id, std::string_view instance_uuid, std::mt19937_64& rng);

// The cell database of an instance: its mapping's cell, else the local one.
base::Result<db::CellDatabase*> CellOfInstance(db::NovaDatabase& nova_db, std::string_view instance_uuid);

// Whether the instance is locked with exactly `reason`.
base::Result<bool> LockedWith(db::CellDatabase& cell, std::string_view instance_uuid, std::string_view reason);

// A lock a unit took and did not let go, as the run journal records it.
struct LeftLock {
  std::string instance_uuid;
  std::string reason;
  std::string unlock_request_id;
};

// Lets go of `left`: a refresh of the instance still in its journal under
// `state_dir` is recovered first (its reconciliation unlocks a unit's lock),
// then the instance is unlocked if it is still locked with the reason. The
// lines say what was done (a dry run: what would be). kFailedPrecondition
// when another process holds the instance's journal; database and Cinder
// errors as they come (nothing is unlocked then).
base::Result<std::vector<std::string>> ReleaseLeftLock(const LeftLock& left, commands::NovaSession& session,
                                                       const std::string& state_dir,
                                                       const cinder::CinderAccessSource& cinder_access,
                                                       const Log& log, refresh::DryRun dry_run = refresh::DryRun::kNo);

}  // namespace agent::fleet

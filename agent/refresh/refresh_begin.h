// The journal's begin record for a refresh that passed its checks: what the
// BDM, instance, connector and compute RPC plan say, the lock reason Nova
// uses, and one fresh request id per action (lock, refresh, unlock), as
// nova-manage uses three admin contexts.
#pragma once

#include <random>
#include <string>

#include "agent/db/bdm_locator.h"
#include "agent/refresh/connector_file.h"
#include "agent/refresh/journal.h"
#include "proto_compat/remove_volume_connection.h"

namespace agent::refresh {

// The request ids of a refresh's three actions. A batch run over RPC gives
// them in its cast, so that any agent that receives the message recognises
// the lock as this request's (takeover.h).
struct RefreshRequestIds {
  std::string lock, action, unlock;
};

// A batch unit's lock (LockScope in journal.h): the reason and the lock and
// unlock request ids of the one lock an instance's BDMs are refreshed under,
// and whether the unit holds it already (an earlier BDM of the unit took it).
struct UnitLockIds {
  std::string reason, lock, unlock;
  bool held = false;
};

// `begin` as a refresh under `unit`'s lock makes it: the unit's reason and
// lock/unlock ids, and its scope (takes or held).
void UseUnitLock(JournalBegin& begin, const UnitLockIds& unit);

// `located.bdm` must be a volume BDM and `instance.host` set (the checks
// guarantee both). `action_request_id` is the refresh action's (it is also
// sent to Cinder); the lock and unlock ids are made here.
JournalBegin MakeJournalBegin(const db::LocatedBdm& located, const db::InstanceSummary& instance,
                              const Connector& connector, const proto_compat::RemoveVolumeConnectionCall& plan,
                              const std::string& event_host, const std::string& action_request_id,
                              std::mt19937_64& rng);

// The same with the three request ids given.
JournalBegin MakeJournalBegin(const db::LocatedBdm& located, const db::InstanceSummary& instance,
                              const Connector& connector, const proto_compat::RemoveVolumeConnectionCall& plan,
                              const std::string& event_host, const RefreshRequestIds& ids);

}  // namespace agent::refresh

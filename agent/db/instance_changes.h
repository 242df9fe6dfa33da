// The instance rows refresh writes, and how, so that a reader of the Nova
// database cannot tell bdm-agent's writes from nova-manage's (Nova 26's
// compute.api.API.lock/unlock, InstanceAction and BlockDeviceMapping.save):
//
//   lock    instances.locked = 1, locked_by = 'admin', updated_at = now;
//           system_metadata 'locked_reason' = reason (updated in place or
//           inserted); instance_actions 'lock' (request_id, user/project
//           NULL, start_time = updated_at = now, finish_time NULL) with one
//           event 'api_lock' (start/finish now, result 'Success', host)
//   unlock  locked = 0, locked_by = NULL, updated_at = now; the live
//           'locked_reason' row hard-deleted (as Nova does for system
//           metadata); action 'unlock' with event 'api_unlock'
//   action  instance_actions row started (start_time = updated_at = now) and
//           later finished (finish_time = updated_at = now)
// Nova writes each of these in several transactions; bdm-agent writes each
// lock change in one, guarded by a compare-and-set, so a crash never leaves
// half of it. All times are UTC_TIMESTAMP() of the database server.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace agent::db {

inline constexpr std::string_view kLockedReasonKey = "locked_reason";

struct InstanceLockChange {
  std::string instance_uuid;
  std::string request_id;  // the acting context's "req-<uuid>", unique per action
  std::string host;        // the event's host: [DEFAULT] host of the node running bdm-agent
  std::string reason;      // the lock reason (lock: stored; unlock: must match)
};

// One instance_actions row, as far as refresh's recovery needs it.
struct InstanceActionRow {
  std::int64_t id = 0;
  std::string action;
  bool finished = false;  // finish_time is set
  std::int64_t age_seconds = 0;  // since start_time, by the database's clock
};

}  // namespace agent::db

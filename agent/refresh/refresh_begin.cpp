#include "agent/refresh/refresh_begin.h"

#include <chrono>

#include "agent/refresh/prerequisites.h"
#include "proto_compat/request_context.h"

namespace agent::refresh {

JournalBegin MakeJournalBegin(const db::LocatedBdm& located, const db::InstanceSummary& instance,
                              const Connector& connector, const proto_compat::RemoveVolumeConnectionCall& plan,
                              const std::string& event_host, const std::string& action_request_id,
                              std::mt19937_64& rng) {
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  RefreshRequestIds ids;
  ids.lock = proto_compat::MakeAdminContext(now, rng).request_id;
  ids.action = action_request_id;
  ids.unlock = proto_compat::MakeAdminContext(now, rng).request_id;
  return MakeJournalBegin(located, instance, connector, plan, event_host, ids);
}

JournalBegin MakeJournalBegin(const db::LocatedBdm& located, const db::InstanceSummary& instance,
                              const Connector& connector, const proto_compat::RemoveVolumeConnectionCall& plan,
                              const std::string& event_host, const RefreshRequestIds& ids) {
  const db::BlockDeviceMapping& bdm = located.bdm;
  JournalBegin begin;
  begin.instance_uuid = bdm.instance_uuid;
  begin.volume_id = bdm.volume_id.value_or("");
  begin.bdm_id = bdm.id;
  begin.bdm_uuid = bdm.uuid;
  if (located.cell) begin.cell_uuid = located.cell->uuid;
  begin.old_attachment_id = bdm.attachment_id;
  begin.device_name = bdm.device_name;
  begin.connector_json = connector.json;
  begin.compute_host = instance.host.value_or("");
  begin.lock_reason = LockReason(bdm.uuid.value_or(""), bdm.instance_uuid, begin.volume_id);
  begin.lock_request_id = ids.lock;
  begin.action_request_id = ids.action;
  begin.unlock_request_id = ids.unlock;
  begin.event_host = event_host;
  begin.compute_deletes_old = plan.delete_attachment;
  return begin;
}

void UseUnitLock(JournalBegin& begin, const UnitLockIds& unit) {
  begin.lock_reason = unit.reason;
  begin.lock_request_id = unit.lock;
  begin.unlock_request_id = unit.unlock;
  begin.lock_scope = unit.held ? LockScope::kUnitHeld : LockScope::kUnitTakes;
}

}  // namespace agent::refresh

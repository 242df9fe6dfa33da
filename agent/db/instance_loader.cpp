#include "agent/db/instance_loader.h"

#include "agent/db/instance_rows.h"

namespace agent::db {
namespace {

constexpr std::string_view kInstanceQuery =
    "SELECT * FROM instances WHERE uuid = ? AND deleted = 0 ORDER BY id LIMIT 1";
constexpr std::string_view kInfoCacheQuery =
    "SELECT * FROM instance_info_caches WHERE instance_uuid = ? ORDER BY id LIMIT 1";
constexpr std::string_view kSystemMetadataQuery =
    "SELECT * FROM instance_system_metadata WHERE instance_uuid = ? ORDER BY id";
constexpr std::string_view kSecurityGroupsQuery =
    "SELECT sg.* FROM security_group_instance_association sgia "
    "JOIN security_groups sg ON sg.id = sgia.security_group_id "
    "WHERE sgia.instance_uuid = ? AND sgia.deleted = 0 AND sg.deleted = 0 ORDER BY sgia.id";

}  // namespace

base::Result<std::optional<proto_compat::InstanceRecord>> LoadInstanceRecord(MysqlConnection& connection,
                                                                             std::string_view instance_uuid) {
  const SqlParam params[] = {std::string(instance_uuid)};
  BASE_TRY_ASSIGN(SqlRows instances, connection.Query(kInstanceQuery, params));
  if (instances.empty()) return std::optional<proto_compat::InstanceRecord>();
  BASE_TRY_ASSIGN(proto_compat::InstanceRecord record, InstanceRecordFromRow(SqlRowView(instances, 0)));

  BASE_TRY_ASSIGN(SqlRows caches, connection.Query(kInfoCacheQuery, params));
  if (!caches.empty()) {
    BASE_TRY_ASSIGN(record.info_cache, InfoCacheRecordFromRow(SqlRowView(caches, 0)));
  }
  BASE_TRY_ASSIGN(SqlRows metadata, connection.Query(kSystemMetadataQuery, params));
  for (std::size_t i = 0; i < metadata.size(); ++i) {
    BASE_TRY_ASSIGN(proto_compat::SystemMetadataItem item, SystemMetadataItemFromRow(SqlRowView(metadata, i)));
    record.system_metadata.push_back(std::move(item));
  }
  BASE_TRY_ASSIGN(SqlRows groups, connection.Query(kSecurityGroupsQuery, params));
  for (std::size_t i = 0; i < groups.size(); ++i) {
    BASE_TRY_ASSIGN(proto_compat::SecurityGroupRecord group, SecurityGroupRecordFromRow(SqlRowView(groups, i)));
    record.security_groups.push_back(std::move(group));
  }
  return std::optional<proto_compat::InstanceRecord>(std::move(record));
}

}  // namespace agent::db

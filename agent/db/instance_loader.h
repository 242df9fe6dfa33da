// Reads, from one cell database, everything the Instance object that
// nova-manage sends is made of, the way Nova's
// Instance.get_by_uuid(expected_attrs=['info_cache', 'security_groups',
// 'system_metadata']) reads it (nova/db/main/api.py _build_instance_get and
// the relationships in nova/db/main/models.py):
//   instances                 the live row (deleted = 0) with this uuid
//   instance_info_caches      the row for the instance, deleted or not (the
//                             relationship has no deleted filter)
//   instance_system_metadata  every row for the instance, in id order,
//                             deleted or not (utils.instance_sys_meta
//                             includes deleted rows; Nova hard-deletes
//                             removed keys, so normally none are)
//   security groups           through live security_group_instance_association
//                             rows to live security_groups, association order
// Four prepared statements, each its own autocommit read; bdm-agent does not
// open a transaction here (Nova reads in one), so a concurrent writer could
// be seen half-way. Nothing is written.
//
// Errors: the connection's Statuses (kUnavailable, ...), and those of
// instance_rows.h for rows that do not map.
#pragma once

#include <optional>
#include <string_view>

#include "agent/db/mysql_connection.h"
#include "base/result.h"
#include "proto_compat/instance.h"

namespace agent::db {

// The instance and its rows; empty when no live instance has this uuid.
base::Result<std::optional<proto_compat::InstanceRecord>> LoadInstanceRecord(MysqlConnection& connection,
                                                                             std::string_view instance_uuid);

}  // namespace agent::db

// Turns the rows Nova's Instance object is loaded from into the plain records
// of proto_compat/instance.h, keeping every value as stored: NULL stays an
// empty optional, DATETIMEs stay in MySQL's text form, booleans stay the
// stored integers (the encoder applies Nova's rules to them).
//
// Columns are found by name (the rows come from SELECT *), so older and newer
// schemas both map; instances.compute_id (nova >= 28) is optional and
// recorded as present or not. Errors name the table, the row id and the
// column: kFailedPrecondition for a column the schema lacks, kCorrupt for a
// value that does not parse as its type (a non-numeric integer column).
#pragma once

#include "agent/db/sql_value.h"
#include "base/result.h"
#include "proto_compat/instance.h"

namespace agent::db {

base::Result<proto_compat::InstanceRecord> InstanceRecordFromRow(const SqlRowView& row);
base::Result<proto_compat::InstanceInfoCacheRecord> InfoCacheRecordFromRow(const SqlRowView& row);
base::Result<proto_compat::SecurityGroupRecord> SecurityGroupRecordFromRow(const SqlRowView& row);
base::Result<proto_compat::SystemMetadataItem> SystemMetadataItemFromRow(const SqlRowView& row);

}  // namespace agent::db

// Turns result rows into the typed records of records.h.
//
// Columns are found by name, so the same code reads older and newer schemas;
// a column that the record needs but the schema lacks is kFailedPrecondition
// (exit code 26, schema too old), a value that does not parse (e.g. a
// non-numeric boot_index) is kCorrupt; both name the table, the row id and the
// column (see column_reader.h). Optional columns (the 1.21 encryption fields)
// may be absent.
#pragma once

#include "agent/db/records.h"
#include "agent/db/sql_value.h"
#include "base/result.h"

namespace agent::db {

base::Result<BlockDeviceMapping> BdmFromRow(const SqlRowView& row);
base::Result<CellMapping> CellMappingFromRow(const SqlRowView& row);
base::Result<InstanceSummary> InstanceSummaryFromRow(const SqlRowView& row);

}  // namespace agent::db

// ColumnReader: typed access to the columns of one result row, for the
// functions that turn rows into records (row_mapping.cpp, instance_rows.cpp).
//
// Columns are found by name. Each accessor returns a value (or nullopt) and
// never fails on the spot; the first problem is kept and read back with
// status(), so a mapping function reads like a list of fields:
//   a column the schema lacks  -> kFailedPrecondition "... is missing from the schema"
//   a value that does not parse -> kCorrupt "... 'x' is not an integer"
//   a required value that is NULL -> kCorrupt "... is NULL"
// Messages name the table, the row id and the column. The row must outlive
// the reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/db/sql_value.h"
#include "base/status.h"

namespace agent::db {

class ColumnReader {
 public:
  ColumnReader(const SqlRowView& row, std::string_view table);

  std::optional<std::string> Text(std::string_view column);
  std::string RequiredText(std::string_view column);  // NULL is kCorrupt
  std::optional<std::int64_t> Int(std::string_view column);
  std::int64_t Id();  // the NOT NULL primary key "id"
  // TINYINT(1) booleans; NULL reads as `null_value`.
  bool Bool(std::string_view column, bool null_value = false);

  // Columns that older schemas lack: absent reads as nullopt, not a failure.
  std::optional<std::string> OptionalText(std::string_view column);
  std::optional<bool> OptionalBool(std::string_view column);

  bool Has(std::string_view column) const { return row_.Has(column); }
  const base::Status& status() const { return status_; }

 private:
  bool Present(std::string_view column);
  void Fail(base::Status status);

  const SqlRowView& row_;
  std::string where_;
  base::Status status_;
};

}  // namespace agent::db

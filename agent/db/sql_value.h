// Values that cross the SQL boundary: statement parameters and result rows.
//
// Results are copied out of the client library as text (MySQL's own text
// form: integers in decimal, DATETIME as "YYYY-MM-DD HH:MM:SS[.ffffff]"), with
// NULL as std::nullopt. Rows own their data and outlive the statement.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace agent::db {

// A statement parameter: NULL, an integer or a string.
using SqlParam = std::variant<std::nullptr_t, std::int64_t, std::string>;

using SqlField = std::optional<std::string>;

class SqlRows {
 public:
  SqlRows() = default;
  SqlRows(std::vector<std::string> columns, std::vector<std::vector<SqlField>> rows)
      : columns_(std::move(columns)), rows_(std::move(rows)) {}

  const std::vector<std::string>& columns() const { return columns_; }
  const std::vector<std::vector<SqlField>>& rows() const { return rows_; }
  bool empty() const { return rows_.empty(); }
  std::size_t size() const { return rows_.size(); }

  // Index of a column by name, or nullopt.
  std::optional<std::size_t> ColumnIndex(std::string_view name) const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<SqlField>> rows_;
};

// One row seen through its column names; borrowed from a SqlRows, which must
// outlive it.
class SqlRowView {
 public:
  SqlRowView(const SqlRows& rows, std::size_t index) : rows_(rows), index_(index) {}

  bool Has(std::string_view column) const { return rows_.ColumnIndex(column).has_value(); }
  // The field, or nullopt when the column is absent or NULL.
  const SqlField& Get(std::string_view column) const;

 private:
  const SqlRows& rows_;
  std::size_t index_;
};

}  // namespace agent::db

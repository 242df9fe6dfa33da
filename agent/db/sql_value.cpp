#include "agent/db/sql_value.h"

namespace agent::db {

std::optional<std::size_t> SqlRows::ColumnIndex(std::string_view name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return i;
  }
  return std::nullopt;
}

const SqlField& SqlRowView::Get(std::string_view column) const {
  static const SqlField kAbsent;
  auto index = rows_.ColumnIndex(column);
  if (!index) return kAbsent;
  return rows_.rows()[index_][*index];
}

}  // namespace agent::db

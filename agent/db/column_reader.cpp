#include "agent/db/column_reader.h"

#include <charconv>

namespace agent::db {

ColumnReader::ColumnReader(const SqlRowView& row, std::string_view table) : row_(row) {
  const SqlField& id = row_.Get("id");
  where_ = std::string(table) + (id ? " row id " + *id : std::string(" row"));
}

std::optional<std::string> ColumnReader::Text(std::string_view column) {
  if (!Present(column)) return std::nullopt;
  return row_.Get(column);
}

std::string ColumnReader::RequiredText(std::string_view column) {
  const bool present = row_.Has(column);
  std::optional<std::string> value = Text(column);
  if (present && !value) Fail(base::Status::Corrupt(where_ + ": column " + std::string(column) + " is NULL"));
  return value.value_or("");
}

std::optional<std::int64_t> ColumnReader::Int(std::string_view column) {
  const std::optional<std::string> text = Text(column);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end) {
    Fail(base::Status::Corrupt(where_ + ": column " + std::string(column) + " '" + *text + "' is not an integer"));
    return std::nullopt;
  }
  return value;
}

std::int64_t ColumnReader::Id() {
  const bool present = row_.Has("id");
  auto id = Int("id");
  if (present && !id && status_.ok()) Fail(base::Status::Corrupt(where_ + ": column id is NULL"));
  return id.value_or(0);
}

bool ColumnReader::Bool(std::string_view column, bool null_value) {
  auto value = Int(column);
  return value ? *value != 0 : null_value;
}

std::optional<std::string> ColumnReader::OptionalText(std::string_view column) {
  return row_.Has(column) ? row_.Get(column) : std::nullopt;
}

std::optional<bool> ColumnReader::OptionalBool(std::string_view column) {
  if (!row_.Has(column)) return std::nullopt;
  auto value = Int(column);
  if (!value) return std::nullopt;
  return *value != 0;
}

bool ColumnReader::Present(std::string_view column) {
  if (row_.Has(column)) return true;
  Fail(base::Status::FailedPrecondition(where_ + ": column " + std::string(column) + " is missing from the schema"));
  return false;
}

void ColumnReader::Fail(base::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

}  // namespace agent::db

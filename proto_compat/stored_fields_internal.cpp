#include "proto_compat/stored_fields_internal.h"

#include <algorithm>

namespace proto_compat {

void StoredFields::Fail(std::string_view field, std::string_view problem) {
  if (status_.ok()) {
    status_ = base::Status::Corrupt(object_ + " field " + std::string(field) + ": " + std::string(problem));
  }
}

void StoredFields::String(std::string_view field, const std::optional<std::string>& value) {
  data_.NullableString(field, value);
}

void StoredFields::RequiredString(std::string_view field, const std::optional<std::string>& value) {
  if (!value) Fail(field, "NULL where Nova requires a value");
  data_.NullableString(field, value);
}

void StoredFields::Enum(std::string_view field, const std::optional<std::string>& value,
                        std::initializer_list<std::string_view> allowed) {
  if (value && std::find(allowed.begin(), allowed.end(), *value) == allowed.end()) {
    Fail(field, "'" + *value + "' is not one of its allowed values");
  }
  data_.NullableString(field, value);
}

void StoredFields::Int(std::string_view field, const std::optional<std::int64_t>& value) {
  data_.NullableInt(field, value);
}

void StoredFields::RequiredInt(std::string_view field, const std::optional<std::int64_t>& value) {
  if (!value) Fail(field, "NULL where Nova requires a value");
  data_.NullableInt(field, value);
}

void StoredFields::BoolDefaultFalse(std::string_view field, const std::optional<std::int64_t>& value) {
  data_.Bool(field, value.has_value() && *value != 0);
}

void StoredFields::Bool(std::string_view field, bool value) { data_.Bool(field, value); }

void StoredFields::DateTime(std::string_view field, const std::optional<std::string>& mysql_text) {
  if (!mysql_text) {
    data_.Null(field);
    return;
  }
  auto parsed = ParseMysqlDateTime(*mysql_text);
  if (!parsed.ok()) {
    Fail(field, parsed.error().message());
    data_.Null(field);
    return;
  }
  data_.DateTime(field, *parsed);
}

void StoredFields::Ip(std::string_view field, const std::optional<std::string>& value, IpVersion version) {
  if (!value) {
    data_.Null(field);
    return;
  }
  auto address = ParseIpAddress(*value);
  if (!address.ok() || address->version != version) {
    Fail(field, "'" + *value + "' is not an IPv" + (version == IpVersion::kV4 ? "4" : "6") + " address");
    data_.Null(field);
    return;
  }
  data_.String(field, address->text);
}

void StoredFields::Persistent(const std::optional<std::string>& created_at,
                              const std::optional<std::string>& updated_at,
                              const std::optional<std::string>& deleted_at,
                              const std::optional<std::int64_t>& deleted) {
  DateTime("created_at", created_at);
  DateTime("updated_at", updated_at);
  DateTime("deleted_at", deleted_at);
  BoolDefaultFalse("deleted", deleted);
}

base::Result<std::string> StoredFields::Finish(std::string_view version) && {
  if (!status_.ok()) return status_;
  auto primitive = WriteNovaObject(object_, version, std::move(data_));
  if (!primitive.ok()) return base::Status::Corrupt(object_ + ": " + primitive.error().message());
  return primitive;
}

}  // namespace proto_compat

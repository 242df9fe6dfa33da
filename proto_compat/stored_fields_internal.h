// StoredFields: writes NovaObjectData fields from stored column values (as
// InstanceRecord and the other *Record structs hold them), applying what the
// oslo.versionedobjects field types do when _from_db_object assigns a
// database value:
//   - a nullable field takes NULL as null; a non-nullable field with a
//     default (the booleans) takes it as that default; one without a default
//     cannot take it (Python raises ValueError);
//   - BooleanField is bool(value); DateTimeField and IPAddress fields as in
//     nova_fields.h; enum fields accept only their listed values.
// The first value that cannot be converted is kept and reported by Finish()
// as kCorrupt naming the object and the field; later fields are still
// written so that one call site can list them all.
//
// Internal to proto_compat/: for its object encoders only. Not thread-safe; one
// instance per primitive being built.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "proto_compat/nova_fields.h"
#include "proto_compat/nova_object.h"

namespace proto_compat {

class StoredFields {
 public:
  explicit StoredFields(std::string_view object_name, std::size_t reserve = 512)
      : object_(object_name), data_(reserve) {}

  // Nullable StringField / UUIDField / SensitiveStringField.
  void String(std::string_view field, const std::optional<std::string>& value);
  // Non-nullable StringField / UUIDField without default: NULL is an error.
  void RequiredString(std::string_view field, const std::optional<std::string>& value);
  // Nullable enum field: NULL, or one of `allowed`.
  void Enum(std::string_view field, const std::optional<std::string>& value,
            std::initializer_list<std::string_view> allowed);
  // Nullable IntegerField.
  void Int(std::string_view field, const std::optional<std::int64_t>& value);
  // Non-nullable IntegerField without default.
  void RequiredInt(std::string_view field, const std::optional<std::int64_t>& value);
  // BooleanField(default=False) from a stored integer: NULL is false.
  void BoolDefaultFalse(std::string_view field, const std::optional<std::int64_t>& value);
  // A BooleanField whose value the caller computed.
  void Bool(std::string_view field, bool value);
  // Nullable DateTimeField from MySQL's DATETIME text.
  void DateTime(std::string_view field, const std::optional<std::string>& mysql_text);
  // Nullable IPV4AddressField / IPV6AddressField.
  void Ip(std::string_view field, const std::optional<std::string>& value, IpVersion version);
  // NovaPersistentObject's created_at, updated_at, deleted_at and
  // deleted = bool(deleted), in that order.
  void Persistent(const std::optional<std::string>& created_at, const std::optional<std::string>& updated_at,
                  const std::optional<std::string>& deleted_at, const std::optional<std::int64_t>& deleted);
  // Records a failure of a value converted by the caller.
  void Fail(std::string_view field, std::string_view problem);

  NovaObjectData& data() { return data_; }

  // The primitive; kCorrupt for the first failure (or a non-UTF-8 string).
  base::Result<std::string> Finish(std::string_view version) &&;

 private:
  std::string object_;
  NovaObjectData data_;
  base::Status status_;
};

}  // namespace proto_compat

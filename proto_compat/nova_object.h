// NovaObject primitives: the form in which a versioned object crosses Nova's
// RPC (VersionedObject.obj_to_primitive / obj_from_primitive in
// oslo_versionedobjects/base.py, with Nova's "nova_object." key prefix):
//
//   {"nova_object.name": "Instance", "nova_object.namespace": "nova",
//    "nova_object.version": "2.7", "nova_object.data": {<field>: <value>, ...},
//    "nova_object.changes": [<field>, ...]}
//
// NovaObjectData builds the `data` dict. It writes only the fields it is
// given, in call order: an unset (lazy) field is left out by not adding it,
// which is not the same as Null() (set to None). The caller adds fields in
// the class's field order (Python's dict order of `fields`, inherited
// NovaPersistentObject fields last). Values are written as the field types'
// to_primitive() gives them and json.dumps formats them (rpc/python_json.h's
// Python dialect): see each method.
//
// WriteNovaObject puts the header around it. `changes` is written exactly
// when obj_to_primitive writes it: when at least one changed field is also in
// `data`; fields not in `data` are dropped, the rest keep the caller's order
// (Python's comes from a set and is arbitrary; receivers treat it as a set).
//
// ReadNovaObject is the receiving side's first step (obj_from_primitive):
// it checks the header and hands back the fields in Python's format.
//
// Values only; nothing is shared between calls. Safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "proto_compat/nova_fields.h"
#include "rpc/python_json.h"
#include "rpc/python_json_index.h"

namespace proto_compat {

inline constexpr std::string_view kNovaObjectNamespace = "nova";

// (key, value) pairs of a DictOfStrings / DictOfNullableStrings field, in
// dict order; keys are unique (the caller's responsibility). The nullable
// one holds views into the caller's strings.
using StringDict = std::vector<std::pair<std::string, std::string>>;
using NullableStringDict = std::vector<std::pair<std::string_view, std::optional<std::string_view>>>;

class NovaObjectData {
 public:
  NovaObjectData() = default;
  // Room for `reserve` bytes of text up front, for an object known to be large.
  explicit NovaObjectData(std::size_t reserve) : writer_(reserve) {}

  // IntegerField: a JSON number.
  NovaObjectData& Int(std::string_view field, std::int64_t value);
  NovaObjectData& NullableInt(std::string_view field, const std::optional<std::int64_t>& value);
  // StringField, UUIDField, SensitiveStringField, enum fields: the text as is.
  NovaObjectData& String(std::string_view field, std::string_view utf8);
  NovaObjectData& NullableString(std::string_view field, const std::optional<std::string>& utf8);
  // BooleanField: true/false.
  NovaObjectData& Bool(std::string_view field, bool value);
  // DateTimeField: FormatDateTimeField(), e.g. "2026-11-26T11:48:48Z".
  NovaObjectData& DateTime(std::string_view field, const std::optional<NovaDateTime>& value);
  // DictOfStringsField / DictOfNullableStringsField: a JSON object.
  NovaObjectData& Dict(std::string_view field, const StringDict& value);
  NovaObjectData& NullableDict(std::string_view field, const NullableStringDict& value);
  // ListOfStringsField: a JSON array of strings.
  NovaObjectData& StringList(std::string_view field, const std::vector<std::string>& value);
  // ObjectField: the nested object's primitive (WriteNovaObject's output,
  // trusted: rpc/python_json.h).
  NovaObjectData& Object(std::string_view field, std::string_view primitive_json);
  // ListOfObjectsField: a JSON array of primitives.
  NovaObjectData& ObjectList(std::string_view field, const std::vector<std::string>& primitive_jsons);
  // Any nullable field set to None.
  NovaObjectData& Null(std::string_view field);
  // A trusted value (rpc/python_json.h), copied as it is.
  NovaObjectData& TrustedJson(std::string_view field, std::string_view trusted_json);

  // The dict's text. kInvalidInput naming the first field whose name or
  // string value was not UTF-8.
  base::Result<std::string> Finish() &&;

 private:
  NovaObjectData& DictText(std::string_view field, const base::Result<std::string>& text);
  void Fail(std::string_view field, const base::Status& status);

  rpc::PythonJsonObjectWriter writer_{512};
  base::Status status_;  // first failure of a nested value
};

// The primitive of one object. kInvalidInput when name or version is empty,
// or `data` refuses to finish (see Finish()).
base::Result<std::string> WriteNovaObject(std::string_view name, std::string_view version, NovaObjectData data,
                                          const std::vector<std::string>& changes = {});

// An ObjectListBase subclass (SecurityGroupList, TagList, ...): its only field
// is `objects`, the list of its items' primitives.
base::Result<std::string> WriteNovaObjectList(std::string_view name, std::string_view version,
                                              const std::vector<std::string>& item_primitives);

// A received primitive, checked as obj_from_primitive checks it.
struct NovaObjectPrimitive {
  std::string name;
  std::string version;
  std::vector<rpc::JsonMember> data;               // in received order, Python's format
  std::optional<std::vector<std::string>> changes;  // absent unless the key was there

  // The field's value, or nullptr when the field is absent (unset).
  const rpc::JsonPart* Field(std::string_view field) const;
};

// The same, as a node of an index of trusted text (see
// rpc/python_json_index.h), which must outlive it with its index: the
// fields are neither copied nor unescaped.
struct NovaObjectView {
  std::string name;
  std::string version;
  rpc::JsonNode data;                               // an object: the fields in received order
  std::optional<std::vector<std::string>> changes;  // absent unless the key was there
};

// kCorrupt when the text is not a JSON object, a header key is missing or not
// a string, the namespace is not "nova", data is not an object, or changes is
// not a list of strings.
base::Result<NovaObjectPrimitive> ReadNovaObject(std::string_view json);

// ReadNovaObject for a node of an index of trusted text (a decoded
// request's args_json, a JsonPart::json): the text is neither checked nor
// split again, as Python's deserializer walks the dicts that json.loads made
// once; nothing is copied. Same errors as ReadNovaObject.
base::Result<NovaObjectView> ReadTrustedNovaObject(const rpc::JsonNode& object);

// Typed reads of one field. The outer optional is empty when the field is
// absent; the inner one when it is null. kCorrupt when the value has another
// JSON type (or, for DateTime, is not an ISO 8601 date and time).
base::Result<std::optional<std::optional<std::int64_t>>> ReadIntField(const NovaObjectPrimitive& object,
                                                                      std::string_view field);
base::Result<std::optional<std::optional<std::string>>> ReadStringField(const NovaObjectPrimitive& object,
                                                                        std::string_view field);
base::Result<std::optional<std::optional<bool>>> ReadBoolField(const NovaObjectPrimitive& object,
                                                               std::string_view field);
base::Result<std::optional<std::optional<NovaDateTime>>> ReadDateTimeField(const NovaObjectPrimitive& object,
                                                                           std::string_view field);

}  // namespace proto_compat

#include "proto_compat/nova_object.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace proto_compat {
namespace {

constexpr std::string_view kNameKey = "nova_object.name";
constexpr std::string_view kNamespaceKey = "nova_object.namespace";
constexpr std::string_view kVersionKey = "nova_object.version";
constexpr std::string_view kDataKey = "nova_object.data";
constexpr std::string_view kChangesKey = "nova_object.changes";

std::string JsonArray(const std::vector<std::string>& python_jsons) {
  std::string out = "[";
  for (std::size_t i = 0; i < python_jsons.size(); ++i) {
    if (i > 0) out += ", ";
    out += python_jsons[i];
  }
  return out + "]";
}

const rpc::JsonMember* Find(const std::vector<rpc::JsonMember>& members, std::string_view key) {
  auto it = std::find_if(members.begin(), members.end(), [&](const rpc::JsonMember& m) { return m.key == key; });
  return it == members.end() ? nullptr : &*it;
}

base::Result<std::string> HeaderString(const std::vector<rpc::JsonMember>& members, std::string_view key) {
  const rpc::JsonMember* member = Find(members, key);
  if (member == nullptr) return base::Status::Corrupt("object primitive has no " + std::string(key));
  if (member->value.kind != rpc::JsonKind::kString) {
    return base::Status::Corrupt(std::string(key) + " is not a string");
  }
  return member->value.string_value;
}

base::Status WrongType(std::string_view field, std::string_view expected, const rpc::JsonPart& value) {
  return base::Status::Corrupt("field " + std::string(field) + " is not " + std::string(expected) + ": " +
                               value.json.substr(0, 80));
}

// Absent: nullopt; null: a value holding nullopt; else `read` gives the value.
template <typename T, typename Read>
base::Result<std::optional<std::optional<T>>> ReadField(const NovaObjectPrimitive& object, std::string_view field,
                                                        Read read) {
  const rpc::JsonPart* value = object.Field(field);
  if (value == nullptr) return std::optional<std::optional<T>>();
  if (value->kind == rpc::JsonKind::kNull) return std::optional<std::optional<T>>(std::optional<T>());
  BASE_TRY_ASSIGN(T typed, read(*value));
  return std::optional<std::optional<T>>(std::optional<T>(std::move(typed)));
}

}  // namespace

void NovaObjectData::Fail(std::string_view field, const base::Status& status) {
  if (status_.ok()) status_ = status.WithContext("field " + std::string(field));
}

NovaObjectData& NovaObjectData::Int(std::string_view field, std::int64_t value) {
  writer_.Int(field, value);
  return *this;
}

NovaObjectData& NovaObjectData::NullableInt(std::string_view field, const std::optional<std::int64_t>& value) {
  return value ? Int(field, *value) : Null(field);
}

NovaObjectData& NovaObjectData::String(std::string_view field, std::string_view utf8) {
  writer_.String(field, utf8);
  return *this;
}

NovaObjectData& NovaObjectData::NullableString(std::string_view field, const std::optional<std::string>& utf8) {
  return utf8 ? String(field, *utf8) : Null(field);
}

NovaObjectData& NovaObjectData::Bool(std::string_view field, bool value) {
  writer_.Bool(field, value);
  return *this;
}

NovaObjectData& NovaObjectData::DateTime(std::string_view field, const std::optional<NovaDateTime>& value) {
  return value ? String(field, FormatDateTimeField(*value)) : Null(field);
}

NovaObjectData& NovaObjectData::Dict(std::string_view field, const StringDict& value) {
  rpc::PythonJsonObjectWriter dict;
  for (const auto& [key, item] : value) dict.String(key, item);
  return DictText(field, std::move(dict).Finish());
}

NovaObjectData& NovaObjectData::NullableDict(std::string_view field, const NullableStringDict& value) {
  std::size_t size = 2;
  for (const auto& [key, item] : value) size += key.size() + (item ? item->size() : 4) + 8;
  rpc::PythonJsonObjectWriter dict(size + size / 8);  // room for a few escapes: no growing
  for (const auto& [key, item] : value) item ? dict.String(key, *item) : dict.Null(key);
  return DictText(field, std::move(dict).Finish());
}

NovaObjectData& NovaObjectData::DictText(std::string_view field, const base::Result<std::string>& text) {
  if (!text.ok()) Fail(field, text.error());
  return TrustedJson(field, text.ok() ? *text : "{}");
}

NovaObjectData& NovaObjectData::StringList(std::string_view field, const std::vector<std::string>& value) {
  writer_.StringArray(field, value);
  return *this;
}

NovaObjectData& NovaObjectData::Object(std::string_view field, std::string_view primitive_json) {
  return TrustedJson(field, primitive_json);
}

NovaObjectData& NovaObjectData::ObjectList(std::string_view field, const std::vector<std::string>& primitive_jsons) {
  return TrustedJson(field, JsonArray(primitive_jsons));
}

NovaObjectData& NovaObjectData::Null(std::string_view field) {
  writer_.Null(field);
  return *this;
}

NovaObjectData& NovaObjectData::TrustedJson(std::string_view field, std::string_view trusted_json) {
  writer_.TrustedJson(field, trusted_json);
  return *this;
}

base::Result<std::string> NovaObjectData::Finish() && {
  if (!status_.ok()) return status_;
  return std::move(writer_).Finish();
}

base::Result<std::string> WriteNovaObject(std::string_view name, std::string_view version, NovaObjectData data,
                                          const std::vector<std::string>& changes) {
  if (name.empty() || version.empty()) {
    return base::Status::InvalidInput("an object primitive needs a name and a version");
  }
  BASE_TRY_ASSIGN(std::string data_json, std::move(data).Finish());
  std::vector<std::string> written_changes;
  if (!changes.empty()) {  // the changed fields that are in data (the writer's text: trusted)
    BASE_TRY_ASSIGN(rpc::JsonIndex index, rpc::JsonIndex::BuildTrusted(data_json));
    for (const std::string& field : changes) {
      for (const rpc::JsonNode member : index.Root()) {
        if (member.view().KeyIs(field)) {
          written_changes.push_back(field);
          break;
        }
      }
    }
  }
  rpc::PythonJsonObjectWriter object(data_json.size() + 256);
  object.String(kNameKey, name)
      .String(kNamespaceKey, kNovaObjectNamespace)
      .String(kVersionKey, version)
      .TrustedJson(kDataKey, data_json);
  if (!written_changes.empty()) object.StringArray(kChangesKey, written_changes);
  auto text = std::move(object).Finish();
  if (!text.ok()) return text.error().WithContext(std::string(name) + " primitive");
  return text;
}

base::Result<std::string> WriteNovaObjectList(std::string_view name, std::string_view version,
                                              const std::vector<std::string>& item_primitives) {
  NovaObjectData data;
  data.ObjectList("objects", item_primitives);
  return WriteNovaObject(name, version, std::move(data));
}

const rpc::JsonPart* NovaObjectPrimitive::Field(std::string_view field) const {
  const rpc::JsonMember* member = Find(data, field);
  return member == nullptr ? nullptr : &member->value;
}

namespace {

// obj_from_primitive's checks over the members of a primitive that is
// trusted (rpc/python_json.h).
// nova_object.changes: a list of field names.
base::Result<std::vector<std::string>> ReadChanges(std::string_view list_json) {
  auto items = rpc::SplitJsonArray(list_json);
  if (!items.ok()) return base::Status::Corrupt(std::string(kChangesKey) + " is not a list");
  std::vector<std::string> changes;
  for (const rpc::JsonPart& item : *items) {
    if (item.kind != rpc::JsonKind::kString) {
      return base::Status::Corrupt(std::string(kChangesKey) + " holds a non-string");
    }
    changes.push_back(item.string_value);
  }
  return changes;
}

base::Result<NovaObjectPrimitive> FromMembers(const base::Result<std::vector<rpc::JsonMember>>& members) {
  if (!members.ok()) return base::Status::Corrupt("object primitive: " + members.error().message());
  NovaObjectPrimitive object;
  BASE_TRY_ASSIGN(std::string namespace_, HeaderString(*members, kNamespaceKey));
  if (namespace_ != kNovaObjectNamespace) {
    return base::Status::Corrupt("object primitive has namespace '" + namespace_ + "', not 'nova'");
  }
  BASE_TRY_ASSIGN(object.name, HeaderString(*members, kNameKey));
  BASE_TRY_ASSIGN(object.version, HeaderString(*members, kVersionKey));
  const rpc::JsonMember* data = Find(*members, kDataKey);
  if (data == nullptr) return base::Status::Corrupt("object primitive has no " + std::string(kDataKey));
  // data->value.json came out of SplitJsonObject: trusted.
  auto fields = rpc::SplitTrustedJsonObject(data->value.json);
  if (!fields.ok()) return base::Status::Corrupt(std::string(kDataKey) + " is not an object");
  object.data = std::move(*fields);
  if (const rpc::JsonMember* changes = Find(*members, kChangesKey)) {
    BASE_TRY_ASSIGN(object.changes, ReadChanges(changes->value.json));
  }
  return object;
}

}  // namespace

base::Result<NovaObjectPrimitive> ReadNovaObject(std::string_view json) {
  return FromMembers(rpc::SplitJsonObject(json));
}

base::Result<NovaObjectView> ReadTrustedNovaObject(const rpc::JsonNode& object_node) {
  if (object_node.kind() != rpc::JsonKind::kObject) {
    return base::Status::Corrupt("object primitive: not a JSON object");
  }
  const rpc::JsonMemberView* name = nullptr;
  const rpc::JsonMemberView* namespace_ = nullptr;
  const rpc::JsonMemberView* version = nullptr;
  std::optional<rpc::JsonNode> data;
  std::optional<rpc::JsonNode> changes;
  for (const rpc::JsonNode member : object_node) {  // a repeated key cannot occur in trusted text
    const rpc::JsonMemberView& view = member.view();
    if (view.KeyIs(kNameKey)) name = &view;
    else if (view.KeyIs(kNamespaceKey)) namespace_ = &view;
    else if (view.KeyIs(kVersionKey)) version = &view;
    else if (view.KeyIs(kDataKey)) data = member;
    else if (view.KeyIs(kChangesKey)) changes = member;
  }
  const auto header = [](const rpc::JsonMemberView* member, std::string_view key) -> base::Result<std::string> {
    if (member == nullptr) return base::Status::Corrupt("object primitive has no " + std::string(key));
    if (member->kind != rpc::JsonKind::kString) return base::Status::Corrupt(std::string(key) + " is not a string");
    return member->StringValue();
  };
  BASE_TRY_ASSIGN(std::string namespace_name, header(namespace_, kNamespaceKey));
  if (namespace_name != kNovaObjectNamespace) {
    return base::Status::Corrupt("object primitive has namespace '" + namespace_name + "', not 'nova'");
  }
  BASE_TRY_ASSIGN(std::string object_name, header(name, kNameKey));
  BASE_TRY_ASSIGN(std::string object_version, header(version, kVersionKey));
  if (!data) return base::Status::Corrupt("object primitive has no " + std::string(kDataKey));
  if (data->kind() != rpc::JsonKind::kObject) return base::Status::Corrupt(std::string(kDataKey) + " is not an object");
  NovaObjectView object{std::move(object_name), std::move(object_version), *data, std::nullopt};
  if (changes) {
    BASE_TRY_ASSIGN(object.changes, ReadChanges(changes->json()));
  }
  return object;
}

base::Result<std::optional<std::optional<std::int64_t>>> ReadIntField(const NovaObjectPrimitive& object,
                                                                      std::string_view field) {
  return ReadField<std::int64_t>(object, field, [&](const rpc::JsonPart& value) -> base::Result<std::int64_t> {
    std::int64_t number = 0;
    const char* end = value.json.data() + value.json.size();
    auto [ptr, ec] = std::from_chars(value.json.data(), end, number);
    if (value.kind != rpc::JsonKind::kNumber || ec != std::errc() || ptr != end) {
      return WrongType(field, "an integer", value);
    }
    return number;
  });
}

base::Result<std::optional<std::optional<std::string>>> ReadStringField(const NovaObjectPrimitive& object,
                                                                        std::string_view field) {
  return ReadField<std::string>(object, field, [&](const rpc::JsonPart& value) -> base::Result<std::string> {
    if (value.kind != rpc::JsonKind::kString) return WrongType(field, "a string", value);
    return value.string_value;
  });
}

base::Result<std::optional<std::optional<bool>>> ReadBoolField(const NovaObjectPrimitive& object,
                                                               std::string_view field) {
  return ReadField<bool>(object, field, [&](const rpc::JsonPart& value) -> base::Result<bool> {
    if (value.kind != rpc::JsonKind::kBool) return WrongType(field, "a boolean", value);
    return value.json == "true";
  });
}

base::Result<std::optional<std::optional<NovaDateTime>>> ReadDateTimeField(const NovaObjectPrimitive& object,
                                                                           std::string_view field) {
  return ReadField<NovaDateTime>(object, field, [&](const rpc::JsonPart& value) -> base::Result<NovaDateTime> {
    if (value.kind != rpc::JsonKind::kString) return WrongType(field, "a date and time", value);
    auto parsed = ParseDateTimeField(value.string_value);
    if (!parsed.ok()) return base::Status::Corrupt("field " + std::string(field) + ": " + parsed.error().message());
    return parsed;
  });
}

}  // namespace proto_compat

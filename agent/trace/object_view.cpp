#include "agent/trace/object_view.h"

#include <string_view>

#include "agent/rapidjson_strings.h"

namespace agent::trace {
namespace {

constexpr std::string_view kPrefix = "nova_object.";

// The readable name of a "nova_object.<x>" key, or empty for another key.
std::string_view ReadableKey(std::string_view key) {
  if (!key.starts_with(kPrefix)) return {};
  const std::string_view rest = key.substr(kPrefix.size());
  if (rest == "name") return "object";
  if (rest == "data") return "fields";
  return rest;  // version, namespace, changes
}

}  // namespace

void ExpandNovaObjects(rapidjson::Value& value, rapidjson::Document::AllocatorType& allocator) {
  if (value.IsArray()) {
    for (auto& element : value.GetArray()) ExpandNovaObjects(element, allocator);
    return;
  }
  if (!value.IsObject()) return;
  // One pass: recurse into the members and look for the two keys that make a Nova object.
  bool has_name = false;
  bool has_data = false;
  for (auto& member : value.GetObject()) {
    const std::string_view key = JsonStringView(member.name);
    has_name = has_name || key == "nova_object.name";
    has_data = has_data || key == "nova_object.data";
    ExpandNovaObjects(member.value, allocator);
  }
  if (!has_name || !has_data) return;
  // Put "object" first, then version, namespace, fields, changes: the order of the keys' readable names.
  rapidjson::Value out(rapidjson::kObjectType);
  for (std::string_view wanted : {"object", "version", "namespace", "fields", "changes"}) {
    for (auto& member : value.GetObject()) {
      if (ReadableKey(JsonStringView(member.name)) != wanted) continue;
      // `wanted` is a string literal: the name refers to it rather than a copy.
      out.AddMember(rapidjson::Value(rapidjson::StringRef(wanted.data(), JsonLength(wanted))), member.value, allocator);
      break;
    }
  }
  value = out;
}

}  // namespace agent::trace

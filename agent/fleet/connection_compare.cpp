#include "agent/fleet/connection_compare.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "agent/rapidjson_strings.h"

namespace agent::fleet {
namespace {

// In `data` (stored) or beside driver_volume_type (Cinder's flattened view).
constexpr std::array<const char*, 12> kDataFields = {
    "target_portal", "target_portals", "target_iqn", "target_iqns", "target_lun", "target_luns",
    "target_wwn",    "target_wwns",    "hosts",      "ports",       "name",       "auth_username",
};

const rapidjson::Value* Member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto found = object.FindMember(key);
  if (found == object.MemberEnd() || found->value.IsNull()) return nullptr;
  return &found->value;
}

std::optional<std::vector<std::string>> StringSet(const rapidjson::Value* list) {
  if (list == nullptr || !list->IsArray()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : list->GetArray()) {
    if (!item.IsString()) return std::nullopt;
    out.emplace_back(JsonStringView(item));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool SameValue(const rapidjson::Value* a, const rapidjson::Value* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return *a == *b;
}

}  // namespace

std::vector<std::string> ConnectionDiff(const rapidjson::Value& stored, const rapidjson::Value& current) {
  std::vector<std::string> differ;
  if (!SameValue(Member(stored, "driver_volume_type"), Member(current, "driver_volume_type"))) {
    differ.emplace_back("driver_volume_type");
  }
  const rapidjson::Value* data = Member(stored, "data");
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  if (data == nullptr || !data->IsObject()) data = &kEmpty;
  for (const char* field : kDataFields) {
    const rapidjson::Value* mine = Member(*data, field);
    const rapidjson::Value* theirs = Member(current, field);
    bool same;
    if (std::string_view(field) == "hosts") {
      auto a = StringSet(mine), b = StringSet(theirs);
      same = (a && b) ? *a == *b : SameValue(mine, theirs);
    } else {
      same = SameValue(mine, theirs);
    }
    if (!same) differ.push_back(std::string("data.") + field);
  }
  return differ;
}

std::optional<std::string> StoredDriverType(const rapidjson::Value& stored) {
  const rapidjson::Value* type = Member(stored, "driver_volume_type");
  if (type == nullptr || !type->IsString()) return std::nullopt;
  return std::string(JsonStringView(*type));
}

std::optional<std::vector<std::string>> StoredMonitorHosts(const rapidjson::Value& stored) {
  const rapidjson::Value* data = Member(stored, "data");
  if (data == nullptr) return std::nullopt;
  return StringSet(Member(*data, "hosts"));
}

}  // namespace agent::fleet

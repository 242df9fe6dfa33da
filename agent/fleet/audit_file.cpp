#include "agent/fleet/audit_file.h"

#include "agent/input/bounded_json.h"
#include "agent/input/regular_file.h"
#include "agent/rapidjson_strings.h"
#include "agent/refresh/journal.h"

namespace agent::fleet {
namespace {

std::optional<std::string> StringMember(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(JsonStringView(it->value));
}

std::optional<AuditClass> ClassByName(std::string_view name) {
  for (AuditClass c : AuditClassesInOrder()) {
    if (AuditClassName(c) == name) return c;
  }
  return std::nullopt;
}

}  // namespace

base::Result<std::vector<PlannedBdm>> ParseAuditPlan(std::string_view text, const std::set<AuditClass>& classes) {
  if (text.size() > input::kMaxRunJournalBytes) {
    return base::Status::Corrupt("larger than " + std::to_string(input::kMaxRunJournalBytes) + " bytes");
  }
  std::vector<PlannedBdm> plan;
  std::size_t number = 0;
  bool summary = false;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    const auto bad = [number](std::string_view what) {
      return base::Status::Corrupt("line " + std::to_string(number) + ": " + std::string(what) +
                                        " (not `bdm-agent audit --json` output)");
    };
    if (line.empty()) continue;
    auto parsed = input::ParseBoundedJson(
        line, {input::kMaxRunJournalLineBytes, input::kMaxJsonDepth, input::DuplicateKeys::kRefuse});
    if (!parsed.ok()) return bad("not valid JSON, " + parsed.error().message());
    const rapidjson::Document& doc = *parsed;
    if (!doc.IsObject()) return bad("not a JSON object");
    if (doc.HasMember("summary")) {
      summary = true;
      continue;
    }
    const std::optional<std::string> name = StringMember(doc, "class");
    if (!name) return bad("no class");
    const std::optional<AuditClass> klass = ClassByName(*name);
    if (!klass) return bad("an unknown class");
    if (*klass == AuditClass::kDangling || classes.count(*klass) == 0) continue;
    PlannedBdm b;
    const auto instance = StringMember(doc, "instance_uuid");
    const auto volume = StringMember(doc, "volume_id");
    const auto host = StringMember(doc, "host");
    if (!instance || !refresh::IsCanonicalUuid(*instance)) return bad("instance_uuid is not a uuid");
    if (!volume || volume->empty() || !host) return bad("no volume_id or host");
    b.instance_uuid = *instance;
    b.volume_id = *volume;
    b.host = *host;
    if (auto uuid = StringMember(doc, "bdm_uuid"); uuid && !uuid->empty()) {
      if (!refresh::IsCanonicalUuid(*uuid)) return bad("bdm_uuid is not a uuid");
      b.bdm_uuid = std::move(uuid);
    }
    if (auto cell = StringMember(doc, "cell"); cell && !cell->empty()) b.cell = std::move(cell);
    b.attachment_id = StringMember(doc, "attachment_id");  // null: a BDM without one (no-attachment)
    b.reason = *name;
    plan.push_back(std::move(b));
  }
  if (!summary) return base::Status::Corrupt("no summary line: not the whole output of `bdm-agent audit --json`");
  return plan;
}

base::Result<std::vector<PlannedBdm>> ReadAuditPlan(const std::string& path, const std::set<AuditClass>& classes) {
  BASE_TRY_ASSIGN(const std::string text, input::ReadRegularFile(path, input::kMaxRunJournalBytes));
  auto plan = ParseAuditPlan(text, classes);
  if (!plan.ok()) return plan.error().WithContext("--from-audit " + path);
  return plan;
}

}  // namespace agent::fleet

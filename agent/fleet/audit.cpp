#include "agent/fleet/audit.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "agent/fleet/connection_compare.h"
#include "agent/input/bounded_json.h"

namespace agent::fleet {
namespace {

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// What the classification looks up, built once per report.
struct CinderIndex {
  std::map<std::string_view, const cinder::Volume*> volumes;
  std::map<std::string_view, const cinder::Attachment*> attachments;
};

CinderIndex IndexCinder(const AuditInput& input) {
  CinderIndex index;
  for (const cinder::Volume& v : input.volumes) index.volumes.emplace(v.id, &v);
  for (const cinder::Attachment& a : input.attachments) index.attachments.emplace(a.id, &a);
  return index;
}

struct Verdict {
  AuditClass klass;
  std::string reason;
};

// wrong-host: the host Cinder's volume view names for this BDM's attachment
// (else for any attachment of the BDM's instance) when it is not the
// instance's host.
std::optional<std::string> OtherHost(const AuditBdm& bdm, const cinder::Volume& volume) {
  const cinder::Volume::AttachedTo* mine = nullptr;
  for (const auto& to : volume.attached_to) {
    if (bdm.attachment_id && to.attachment_id == *bdm.attachment_id) mine = &to;
  }
  std::vector<const cinder::Volume::AttachedTo*> candidates;
  if (mine != nullptr) {
    candidates.push_back(mine);
  } else {
    for (const auto& to : volume.attached_to) {
      if (to.server_id == bdm.instance_uuid) candidates.push_back(&to);
    }
  }
  for (const auto* to : candidates) {
    if (!to->host_name.empty() && to->host_name != bdm.host) return to->host_name;
  }
  return std::nullopt;
}

std::optional<Verdict> StaleVerdict(const rapidjson::Document& stored, const cinder::Attachment& attachment,
                                    const std::optional<std::vector<std::string>>& expect_monitors) {
  std::vector<std::string> why;
  if (!attachment.connection_info) {
    why.push_back("Cinder's attachment has no connection_info");
  } else {
    auto current = input::ParseBoundedJson(*attachment.connection_info, {input::kMaxConnectionInfoBytes});
    if (!current.ok() || !current->IsObject()) {
      why.push_back("Cinder's attachment connection_info is not a JSON object");
    } else {
      std::vector<std::string> differ = ConnectionDiff(stored, *current);
      if (!differ.empty()) why.push_back("differs from Cinder's attachment in " + Join(differ, ", "));
    }
  }
  if (expect_monitors && StoredDriverType(stored) == "rbd") {
    auto hosts = StoredMonitorHosts(stored);
    if (!hosts || *hosts != *expect_monitors) {
      why.push_back("monitor hosts " + (hosts ? Join(*hosts, ",") : std::string("(none)")) + " are not the expected " +
                    Join(*expect_monitors, ","));
    }
  }
  if (why.empty()) return std::nullopt;
  return Verdict{AuditClass::kStale, Join(why, "; ")};
}

Verdict ClassifyBdm(const AuditBdm& bdm, const CinderIndex& cinder,
                    const std::optional<std::vector<std::string>>& expect_monitors) {
  auto volume = cinder.volumes.find(bdm.volume_id);
  if (volume == cinder.volumes.end()) return {AuditClass::kVolumeGone, "Cinder has no volume " + bdm.volume_id};
  rapidjson::Document stored;
  if (bdm.connection_info) {
    auto parsed = input::ParseBoundedJson(*bdm.connection_info, {input::kMaxConnectionInfoBytes});
    if (!parsed.ok()) return {AuditClass::kCorrupt, "connection_info is not JSON"};
    if (!parsed->IsObject()) return {AuditClass::kCorrupt, "connection_info is not a JSON object"};
    stored = std::move(*parsed);
  } else {
    return {AuditClass::kConnectionInfoNull, "connection_info is NULL"};
  }
  if (!bdm.attachment_id) return {AuditClass::kNoAttachment, "attachment_id is NULL (attached before Cinder's v3 attachments)"};
  auto attachment = cinder.attachments.find(*bdm.attachment_id);
  if (attachment == cinder.attachments.end()) {
    return {AuditClass::kMissingAttachment, "Cinder has no attachment " + *bdm.attachment_id};
  }
  if (auto other = OtherHost(bdm, *volume->second)) {
    return {AuditClass::kWrongHost, "Cinder says the volume is attached to host " + *other + ", the instance is on " +
                                        (bdm.host.empty() ? std::string("no host") : bdm.host)};
  }
  if (auto stale = StaleVerdict(stored, *attachment->second, expect_monitors)) return std::move(*stale);
  return {AuditClass::kOk, ""};
}

}  // namespace

std::string_view AuditClassName(AuditClass c) {
  switch (c) {
    case AuditClass::kOk: return "ok";
    case AuditClass::kStale: return "stale";
    case AuditClass::kWrongHost: return "wrong-host";
    case AuditClass::kNoAttachment: return "no-attachment";
    case AuditClass::kMissingAttachment: return "missing-attachment";
    case AuditClass::kVolumeGone: return "volume-gone";
    case AuditClass::kConnectionInfoNull: return "connection-info-null";
    case AuditClass::kCorrupt: return "corrupt";
    case AuditClass::kDangling: return "dangling";
  }
  return "?";
}

const std::array<AuditClass, kAuditClassCount>& AuditClassesInOrder() {
  static const std::array<AuditClass, kAuditClassCount> kOrder = {
      AuditClass::kVolumeGone,        AuditClass::kCorrupt,   AuditClass::kConnectionInfoNull,
      AuditClass::kNoAttachment,      AuditClass::kMissingAttachment, AuditClass::kWrongHost,
      AuditClass::kStale,             AuditClass::kOk,        AuditClass::kDangling,
  };
  return kOrder;
}

bool AuditReport::AllOk() const {
  for (AuditClass c : AuditClassesInOrder()) {
    if (c != AuditClass::kOk && Count(c) != 0) return false;
  }
  return true;
}

AuditReport ClassifyAudit(const AuditInput& input) {
  AuditReport report;
  const CinderIndex cinder = IndexCinder(input);
  std::optional<std::vector<std::string>> expect = input.expect_monitors;
  if (expect) {
    std::sort(expect->begin(), expect->end());
    expect->erase(std::unique(expect->begin(), expect->end()), expect->end());
  }
  // What the BDMs name: their attachment ids, and (instance, volume) of
  // those whose attachment_id is NULL.
  std::set<std::string_view> named;
  std::set<std::pair<std::string_view, std::string_view>> legacy;
  for (const AuditBdm& bdm : input.bdms) {
    Verdict v = ClassifyBdm(bdm, cinder, expect);
    ++report.counts[static_cast<std::size_t>(v.klass)];
    report.bdms.push_back({v.klass, std::move(v.reason), &bdm});
    if (bdm.attachment_id) {
      named.insert(*bdm.attachment_id);
    } else {
      legacy.emplace(bdm.instance_uuid, bdm.volume_id);
    }
  }
  std::map<std::string_view, const AuditInstance*> in_scope;
  for (const AuditInstance& instance : input.instances) {
    in_scope.emplace(instance.uuid, &instance);
    for (const std::string& id : instance.unlisted_attachment_ids) named.insert(id);
    for (const std::string& volume : instance.unlisted_legacy_volume_ids) legacy.emplace(instance.uuid, volume);
  }
  for (const cinder::Attachment& a : input.attachments) {
    auto instance = in_scope.find(a.instance);
    if (a.instance.empty() || instance == in_scope.end()) continue;
    if (named.contains(a.id) || legacy.contains({a.instance, a.volume_id})) continue;
    report.dangling.push_back({a.id, a.instance, a.volume_id, a.status, instance->second});
    ++report.counts[static_cast<std::size_t>(AuditClass::kDangling)];
  }
  return report;
}

}  // namespace agent::fleet

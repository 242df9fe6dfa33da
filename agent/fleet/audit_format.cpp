#include "agent/fleet/audit_format.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "agent/rapidjson_strings.h"
#include "agent/text_table.h"

namespace agent::fleet {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string Line(const rapidjson::StringBuffer& buffer) { return std::string(buffer.GetString(), buffer.GetSize()) + "\n"; }

std::string OrDash(std::string_view text) { return text.empty() ? std::string("-") : std::string(text); }

}  // namespace

std::string FormatAuditTable(const AuditReport& report) {
  std::vector<std::vector<std::string>> counts;
  for (AuditClass c : AuditClassesInOrder()) {
    counts.push_back({std::string(AuditClassName(c)), std::to_string(report.Count(c))});
  }
  counts.push_back({"BDMs", std::to_string(report.bdms.size())});
  std::string out = RenderTable({"Class", "Count"}, counts);
  std::vector<std::vector<std::string>> rows;
  for (const BdmVerdict& v : report.bdms) {
    if (v.klass == AuditClass::kOk) continue;
    rows.push_back({std::string(AuditClassName(v.klass)), OrDash(v.bdm->bdm_uuid), v.bdm->instance_uuid,
                    v.bdm->volume_id, OrDash(v.bdm->host), v.reason});
  }
  for (const DanglingAttachment& d : report.dangling) {
    rows.push_back({"dangling", "-", d.instance_uuid, d.volume_id, OrDash(d.instance->host),
                    "attachment " + d.attachment_id + " (" + d.status + ") is named by no BDM"});
  }
  if (!rows.empty()) out += RenderTable({"Class", "BDM", "Instance", "Volume", "Host", "Why"}, rows);
  return out;
}

std::string FormatAuditJsonLines(const AuditReport& report) {
  std::string out;
  for (const BdmVerdict& v : report.bdms) {
    if (v.klass == AuditClass::kOk) continue;
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    WriteJsonMember(w, "class", AuditClassName(v.klass));
    WriteJsonMember(w, "bdm_uuid", v.bdm->bdm_uuid);
    WriteJsonMember(w, "instance_uuid", v.bdm->instance_uuid);
    WriteJsonMember(w, "volume_id", v.bdm->volume_id);
    WriteJsonMember(w, "host", v.bdm->host);
    WriteJsonMember(w, "cell", v.bdm->cell);
    WriteJsonOptionalMember(w, "attachment_id", v.bdm->attachment_id);
    WriteJsonMember(w, "reason", v.reason);
    w.EndObject();
    out += Line(buffer);
  }
  for (const DanglingAttachment& d : report.dangling) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    WriteJsonMember(w, "class", "dangling");
    WriteJsonMember(w, "attachment_id", d.attachment_id);
    WriteJsonMember(w, "instance_uuid", d.instance_uuid);
    WriteJsonMember(w, "volume_id", d.volume_id);
    WriteJsonMember(w, "host", d.instance->host);
    WriteJsonMember(w, "cell", d.instance->cell);
    WriteJsonMember(w, "status", d.status);
    w.EndObject();
    out += Line(buffer);
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteJsonKey(w, "summary");
  w.StartObject();
  for (AuditClass c : AuditClassesInOrder()) {
    WriteJsonKey(w, AuditClassName(c));
    w.Uint64(report.Count(c));
  }
  WriteJsonKey(w, "bdms");
  w.Uint64(report.bdms.size());
  w.EndObject();
  w.EndObject();
  return out + Line(buffer);
}

}  // namespace agent::fleet

#include "agent/fleet/batch_plan.h"

namespace agent::fleet {
namespace {

PlannedBdm Planned(const AuditBdm& b, std::string reason) {
  PlannedBdm p;
  p.instance_uuid = b.instance_uuid;
  p.volume_id = b.volume_id;
  p.bdm_id = b.bdm_id;
  if (!b.bdm_uuid.empty()) p.bdm_uuid = b.bdm_uuid;
  if (!b.cell.empty()) p.cell = b.cell;
  p.host = b.host;
  p.attachment_id = b.attachment_id;
  p.reason = std::move(reason);
  return p;
}

}  // namespace

std::vector<PlannedBdm> PlanAll(const std::vector<AuditBdm>& bdms) {
  std::vector<PlannedBdm> plan;
  plan.reserve(bdms.size());
  for (const AuditBdm& b : bdms) plan.push_back(Planned(b, "selected"));
  return plan;
}

std::vector<PlannedBdm> PlanByClass(const AuditReport& report, const std::set<AuditClass>& classes) {
  std::vector<PlannedBdm> plan;
  for (const BdmVerdict& v : report.bdms) {
    if (classes.count(v.klass) != 0) plan.push_back(Planned(*v.bdm, std::string(AuditClassName(v.klass))));
  }
  return plan;
}

base::Result<std::set<AuditClass>> ParseRefreshClasses(std::string_view text) {
  std::set<AuditClass> classes;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string_view word = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    bool known = false;
    for (AuditClass c : AuditClassesInOrder()) {
      if (c != AuditClass::kOk && c != AuditClass::kDangling && AuditClassName(c) == word) {
        classes.insert(c);
        known = true;
      }
    }
    if (!known) {
      return base::Status::InvalidInput(
          "--class takes audit classes a refresh can act on: stale, wrong-host, no-attachment, missing-attachment, "
          "volume-gone, connection-info-null, corrupt");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return classes;
}

std::set<AuditClass> DefaultRefreshClasses() { return {AuditClass::kStale, AuditClass::kWrongHost}; }

PlanSize SizeOf(const std::vector<PlannedBdm>& plan) {
  std::set<std::string_view> instances, hosts;
  for (const PlannedBdm& b : plan) {
    instances.insert(b.instance_uuid);
    hosts.insert(b.host);
  }
  return {plan.size(), instances.size(), hosts.size()};
}

}  // namespace agent::fleet

// The plan of a batch refresh: which volume BDMs it refreshes and why, from
// the rows an audit reads (audit_reads.h), in their order (by instance uuid,
// then BDM id; a cell's rows before the next cell's):
//   - without classes: every volume BDM of the scope (reason "selected");
//   - with classes: those whose audit class (audit.h) is one of them
//     (reason: the class name).
// Pure; the plan points into nothing.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/fleet/audit.h"
#include "agent/fleet/run_journal.h"
#include "base/result.h"

namespace agent::fleet {

std::vector<PlannedBdm> PlanAll(const std::vector<AuditBdm>& bdms);
std::vector<PlannedBdm> PlanByClass(const AuditReport& report, const std::set<AuditClass>& classes);

// "stale,wrong-host" -> the classes; kInvalidInput naming an unknown one
// (ok and dangling are not classes a refresh can act on).
base::Result<std::set<AuditClass>> ParseRefreshClasses(std::string_view text);

// The classes --all-stale refreshes unless --class says otherwise.
std::set<AuditClass> DefaultRefreshClasses();

struct PlanSize {
  std::size_t bdms = 0, instances = 0, hosts = 0;
};
PlanSize SizeOf(const std::vector<PlannedBdm>& plan);

}  // namespace agent::fleet

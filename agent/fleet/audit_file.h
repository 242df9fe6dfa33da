// The plan of `refresh --from-audit FILE`: the BDMs an earlier
// `bdm-agent audit --json` found, read back from its output, keeping those
// whose class is one of `classes` (dangling attachments and the summary line
// are not BDMs and are passed over). Each becomes a PlannedBdm with the
// attachment the audit saw (so a BDM refreshed since is found
// "already-refreshed", not refreshed again) and its class as the reason.
//
// The file is read as every input of bdm-agent is: a regular file only
// (never opened blocking), at most input::kMaxRunJournalBytes, each line at
// most input::kMaxRunJournalLineBytes and input::kMaxJsonDepth deep, no key
// twice, ids checked (an instance uuid in canonical form, a BDM uuid too when
// present). Errors: as input::ReadRegularFile for a file that cannot be read
// (kNotFound, kInvalidInput: not a regular file or too large, kUnavailable);
// kCorrupt naming the line for one that is not an audit's whole output.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "agent/fleet/audit.h"
#include "agent/fleet/run_journal.h"
#include "base/result.h"

namespace agent::fleet {

base::Result<std::vector<PlannedBdm>> ReadAuditPlan(const std::string& path, const std::set<AuditClass>& classes);

// The same over the file's text (for tests).
base::Result<std::vector<PlannedBdm>> ParseAuditPlan(std::string_view text, const std::set<AuditClass>& classes);

}  // namespace agent::fleet

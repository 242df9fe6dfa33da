// `bdm-agent audit`: compares what Nova stores for each selected volume BDM
// with what Cinder has and prints one class per BDM (agent/fleet/audit.h),
// plus the dangling Cinder attachments of the selected instances.
// Selection: --host H, --cell C (name or uuid), --instance U (each
// repeatable; given together they all apply), or --all;
// --driver-volume-type T keeps the BDMs of that stored driver type.
// Read-only: reads the API and cell databases (one query per cell) and
// Cinder in bulk (agent/fleet/audit_reads.h); no broker, no writes.
// Exit codes: 0 every BDM ok and nothing dangling, 1 (kAuditNotOk) anything
// else found, 64 a bad command line or an unknown --cell, 19 Cinder
// unreachable or refusing, and the shared codes of exit_codes.h.
#pragma once

#include <string>
#include <vector>

#include "agent/command_env.h"

namespace agent::commands {

int RunAudit(const std::vector<std::string>& args, const CommandEnv& env);

}  // namespace agent::commands

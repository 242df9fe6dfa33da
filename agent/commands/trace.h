// `bdm-agent trace record|decode`: capture what crosses the broker into a
// trace file (rpc/trace_file.h, docs/trace-format.md) and read it back with
// Nova's objects expanded and secrets masked (agent/trace/). replay and diff
// (issue 11) are not here yet.
//
// Exit codes (agent/exit_codes.h): 0; kUsage; kConfig (nova.conf, the
// transport URL); kRefreshBrokerUnavailable (the broker, a missing
// exchange); kTraceOutputFile (--out exists or cannot be created);
// kTraceInputFile (FILE missing, not a regular file, unreadable);
// kCorruptData (not a trace, a newer version, a corrupt record);
// kTracingOff (--firehose on a vhost without `rabbitmqctl trace_on`).
#pragma once

#include <string>
#include <vector>

#include "agent/command_env.h"

namespace agent::commands {

int RunTrace(const std::vector<std::string>& args, const CommandEnv& env);

// The subcommands (trace.cpp dispatches; record in trace_record.cpp).
int RunTraceRecord(const std::vector<std::string>& args, const CommandEnv& env);
int RunTraceDecode(const std::vector<std::string>& args, const CommandEnv& env);

}  // namespace agent::commands

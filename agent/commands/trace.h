// `bdm-agent trace record|decode`: capture what crosses the broker into a
// trace file (rpc/trace_file.h, docs/trace-format.md) and read it back with
// Nova's objects expanded and secrets masked (agent/trace/), send its
// requests again to a broker (replay, trace_replay.cpp), and say what
// differs between two traces (diff, trace_diff.cpp).
//
// Exit codes (agent/exit_codes.h): 0; kUsage; kConfig (nova.conf, the
// transport URL); kRefreshBrokerUnavailable (the broker, a missing
// exchange); kTraceOutputFile (--out exists or cannot be created);
// kTraceInputFile (FILE missing, not a regular file, unreadable);
// kCorruptData (not a trace, a newer version, a corrupt record);
// kTracingOff (--firehose on a vhost without `rabbitmqctl trace_on`);
// replay: kReplayRepliesDiffer, kReplaySameBroker, kTraceNothingSelected;
// diff: kTraceDiffers.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "agent/command_env.h"
#include "rpc/trace_reader.h"

namespace agent::commands {

int RunTrace(const std::vector<std::string>& args, const CommandEnv& env);

// The subcommands (trace.cpp dispatches; record in trace_record.cpp).
int RunTraceRecord(const std::vector<std::string>& args, const CommandEnv& env);
int RunTraceDecode(const std::vector<std::string>& args, const CommandEnv& env);
int RunTraceReplay(const std::vector<std::string>& args, const CommandEnv& env);
int RunTraceDiff(const std::vector<std::string>& args, const CommandEnv& env);

// Opens a trace FILE an operator named (a regular file only, never
// blocking) and reads its header: the reader, or the exit code after one
// error line (kTraceInputFile: missing, not a regular file, unreadable;
// kCorruptData: not a trace, a newer major version).
std::variant<rpc::TraceReader, int> OpenTraceFile(const std::string& path, const CommandEnv& env);

// The exit code for an error of TraceReader::Next.
int TraceReadExitCode(const base::Status& status);

}  // namespace agent::commands

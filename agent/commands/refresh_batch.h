// `bdm-agent refresh` over many BDMs (issue 12): a host's, a cell's, or every
// one an audit finds in given classes, planned first, run with bounded
// concurrency (agent/fleet/batch_run.h) under a crash-safe run journal
// (agent/fleet/run_journal.h), resumable with --resume RUN_ID.
//
//   refresh (--host H | --cell C)... [--all-stale [--class LIST]]
//   refresh --all-stale [--class LIST]
//   refresh --resume RUN_ID
//   with [--connector-dir DIR] [--workers N] [--per-host N] [--dry-run] [--yes] [--json]
//
// Output: the plan's size (and, with --dry-run, each BDM with its verdict);
// with --json one JSON object per BDM as it ends; always a summary table at
// the end (per outcome, per host). Exit 0 when no BDM failed (skipped ones
// are not failures), exit_code::kBatchFailed with the counts when some did,
// 130 after Ctrl-C (in-flight refreshes finished; the line says how to
// resume).
#pragma once

#include <boost/program_options.hpp>

#include "agent/command_env.h"
#include "agent/commands/refresh_batch_args.h"

namespace agent::commands {

int RunBatchRefresh(const boost::program_options::variables_map& vm, const CommandEnv& env);

}  // namespace agent::commands

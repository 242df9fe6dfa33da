// The command line of a batch `refresh` (refresh_batch.h): its options,
// whether refresh's parsed options ask for a batch, and the checked
// arguments. Every combination that makes no sense is refused here, with a
// message naming the options (exit_code::kUsage), before anything is opened.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "agent/fleet/audit.h"
#include "base/result.h"

namespace agent::commands {

struct BatchArguments {
  std::vector<std::string> hosts, cells;
  bool all_stale = false;
  std::set<fleet::AuditClass> classes;
  std::optional<std::string> resume;
  std::optional<std::string> from_audit;
  std::optional<std::string> connector_dir;
  int workers = 8;
  int per_host = 2;
  bool dry_run = false, yes = false, json = false;
  bool via_rpc = false;     // cast to the serve agents (agent/fleet/batch_via_rpc.h)
  bool in_process = false;  // --resume of a run cast to the agents: go on in this process
  std::chrono::seconds outcome_timeout{600}, takeover_after{120};
  std::optional<std::string> state_dir;
  std::vector<std::string> allowed_hypervisor_types;
};

// Whether refresh's parsed options ask for a batch.
bool IsBatchRefresh(const boost::program_options::variables_map& vm);

// The batch options refresh adds to its own.
void AddBatchRefreshOptions(boost::program_options::options_description& options);

base::Result<BatchArguments> ParseBatchArguments(const boost::program_options::variables_map& vm);

// The selection as the run journal keeps it for the operator.
std::string SelectionText(const BatchArguments& a);

}  // namespace agent::commands

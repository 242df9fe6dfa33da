#include "agent/commands/refresh_batch_args.h"

#include <utility>

#include "agent/commands/cli.h"
#include "agent/fleet/batch_plan.h"
#include "agent/fleet/run_journal.h"
#include "agent/terminal_text.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;

constexpr int kMaxWorkers = 64;

}  // namespace

base::Result<BatchArguments> ParseBatchArguments(const po::variables_map& vm) {
  BatchArguments a;
  a.hosts = Many(vm, "host");
  a.cells = Many(vm, "cell");
  BASE_TRY(CheckNames(a.hosts, "host"));
  BASE_TRY(CheckNames(a.cells, "cell"));
  a.all_stale = vm.count("all-stale") > 0;
  if (vm.count("from-audit")) {
    a.from_audit = vm["from-audit"].as<std::string>();
    if (!a.hosts.empty() || !a.cells.empty() || a.all_stale || vm.count("resume")) {
      return base::Status::InvalidInput("--from-audit is the whole selection: leave out --host, --cell, --all-stale and --resume");
    }
  }
  if (vm.count("resume")) {
    a.resume = vm["resume"].as<std::string>();
    if (!fleet::IsRunId(*a.resume)) return base::Status::InvalidInput("--resume needs a run id (YYYYMMDD-HHMMSS-xxxxxxxx)");
    if (!a.hosts.empty() || !a.cells.empty() || a.all_stale || vm.count("class")) {
      return base::Status::InvalidInput("--resume continues a run's own plan: leave out --host, --cell, --all-stale and --class");
    }
  } else if (a.hosts.empty() && a.cells.empty() && !a.all_stale && !a.from_audit) {
    return base::Status::InvalidInput("say which BDMs to refresh: --host, --cell, --all-stale or --from-audit");
  }
  if (vm.count("class")) {
    if (!a.all_stale && !a.from_audit) return base::Status::InvalidInput("--class goes with --all-stale or --from-audit");
    BASE_TRY_ASSIGN(a.classes, fleet::ParseRefreshClasses(vm["class"].as<std::string>()));
  } else if (a.all_stale || a.from_audit) {
    a.classes = fleet::DefaultRefreshClasses();
  }
  for (const char* single : {"instance", "volume", "connector", "args", "timings"}) {
    if (vm.count(single)) return base::Status::InvalidInput(std::string("--") + single + " is for one BDM, not a batch");
  }
  if (vm.count("connector-dir")) a.connector_dir = vm["connector-dir"].as<std::string>();
  if (vm.count("workers")) a.workers = vm["workers"].as<int>();
  if (vm.count("per-host")) a.per_host = vm["per-host"].as<int>();
  if (a.workers < 1 || a.workers > kMaxWorkers) {
    return base::Status::InvalidInput("--workers must be between 1 and " + std::to_string(kMaxWorkers));
  }
  if (a.per_host < 1) return base::Status::InvalidInput("--per-host must be at least 1");
  a.dry_run = vm.count("dry-run") > 0;
  a.yes = vm.count("yes") > 0;
  a.json = vm.count("json") > 0;
  a.via_rpc = vm.count("via-rpc") > 0;
  a.in_process = vm.count("in-process") > 0;
  if (a.in_process && (!a.resume || a.via_rpc)) {
    return base::Status::InvalidInput("--in-process goes with --resume (without --via-rpc)");
  }
  for (auto [name, out] : {std::pair{"outcome-timeout", &a.outcome_timeout}, {"takeover-after", &a.takeover_after}}) {
    if (!vm.count(name)) continue;
    if (!a.via_rpc) return base::Status::InvalidInput(std::string("--") + name + " goes with --via-rpc");
    const int seconds = vm[name].as<int>();
    if (seconds < 1 || seconds > 86400) return base::Status::InvalidInput(std::string("--") + name + " must be 1 to 86400 seconds");
    *out = std::chrono::seconds(seconds);
  }
  if (vm.count("state-dir")) a.state_dir = vm["state-dir"].as<std::string>();
  if (vm.count("allow-hypervisor-type")) {
    a.allowed_hypervisor_types = vm["allow-hypervisor-type"].as<std::vector<std::string>>();
  }
  return a;
}

std::string SelectionText(const BatchArguments& a) {
  std::string text;
  if (a.from_audit) text += "--from-audit " + EscapeControls(*a.from_audit) + " ";
  for (const auto& h : a.hosts) text += "--host " + h + " ";
  for (const auto& c : a.cells) text += "--cell " + c + " ";
  if (a.all_stale || a.from_audit) {
    text += a.all_stale ? "--all-stale --class " : "--class ";
    bool first = true;
    for (fleet::AuditClass c : a.classes) {
      text += (first ? "" : ",") + std::string(fleet::AuditClassName(c));
      first = false;
    }
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

bool IsBatchRefresh(const po::variables_map& vm) {
  return vm.count("host") || vm.count("cell") || vm.count("all-stale") || vm.count("resume") || vm.count("from-audit") ||
         vm.count("via-rpc");
}

void AddBatchRefreshOptions(po::options_description& options) {
  options.add_options()
      ("host", po::value<std::vector<std::string>>()->composing(), "batch: the volume BDMs of instances on this compute host (repeatable)")
      ("cell", po::value<std::vector<std::string>>()->composing(), "batch: the volume BDMs of this cell, by name or uuid (repeatable)")
      ("all-stale", "batch: the BDMs an audit finds in --class (default stale,wrong-host), within --host/--cell if given")
      ("class", po::value<std::string>(), "batch: audit classes to refresh, comma-separated (with --all-stale)")
      ("from-audit", po::value<std::string>(), "batch: the BDMs of `bdm-agent audit --json` output saved in FILE, in --class (default stale,wrong-host)")
      ("resume", po::value<std::string>(), "batch: continue run RUN_ID (after a crash, SIGKILL or Ctrl-C)")
      ("connector-dir", po::value<std::string>(), "batch: DIR/<host>.json is each host's connector; else the host's serve agent is asked")
      ("workers", po::value<int>(), "batch: refreshes at once (default 8)")
      ("per-host", po::value<int>(), "batch: refreshes at once on one compute host (default 2)")
      ("yes", "batch: do not ask before starting")
      ("json", "batch: one JSON object per BDM as it ends, on stdout")
      ("in-process", "batch --resume: continue a run that was cast to the serve agents here, in this process")
      ("via-rpc", "batch: cast each BDM's refresh to the serve agents of [bdm_agent] topic; outcomes from their notifications")
      ("outcome-timeout", po::value<int>(), "batch --via-rpc: seconds to wait for a BDM's outcome after its cast (default 600)")
      ("takeover-after", po::value<int>(), "batch --via-rpc: an agent takes over a dead agent's refresh once its lock is this old (default 120)");
}

}  // namespace agent::commands

#include "agent/commands/audit.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "agent/cinder/cinder_client.h"
#include "agent/commands/cli.h"
#include "agent/commands/nova_session.h"
#include "agent/exit_codes.h"
#include "agent/fleet/audit.h"
#include "agent/fleet/audit_format.h"
#include "agent/fleet/audit_reads.h"
#include "proto_compat/request_context.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "audit [options] (--host H | --cell C | --instance U)... | --all\n"
    "       [--driver-volume-type T] [--expect-monitors a,b,c] [--json]";

struct AuditRequest {
  std::vector<std::string> cells;
  db::InstanceFilter filter;
  std::optional<std::string> driver_volume_type;
  std::optional<std::vector<std::string>> expect_monitors;
  bool json = false;
};

po::options_description AuditOptions() {
  po::options_description options("audit options");
  options.add_options()
      ("host", po::value<std::vector<std::string>>()->composing(), "instances on this compute host (repeatable)")
      ("cell", po::value<std::vector<std::string>>()->composing(), "instances in this cell, by name or uuid (repeatable)")
      ("instance", po::value<std::vector<std::string>>()->composing(), "this instance (repeatable)")
      ("all", "every instance of every cell")
      ("driver-volume-type", po::value<std::string>(), "only BDMs whose stored connection_info has this driver type")
      ("expect-monitors", po::value<std::string>(), "rbd: the monitor hosts every rbd BDM should name, comma-separated")
      ("json", "one JSON object per line instead of tables")
      ("help,h", "print this help");
  return options;
}

base::Result<AuditRequest> ParseAudit(const po::variables_map& vm) {
  AuditRequest r;
  r.cells = Many(vm, "cell");
  r.filter.hosts = Many(vm, "host");
  r.filter.instance_uuids = Many(vm, "instance");
  BASE_TRY(CheckNames(r.cells, "cell"));
  BASE_TRY(CheckNames(r.filter.hosts, "host"));
  BASE_TRY(CheckNames(r.filter.instance_uuids, "instance"));
  const bool some = !r.cells.empty() || !r.filter.hosts.empty() || !r.filter.instance_uuids.empty();
  const bool all = vm.count("all") > 0;
  if (some && all) return base::Status::InvalidInput("--all selects everything: leave out --host, --cell and --instance");
  if (!some && !all) return base::Status::InvalidInput("say what to audit: --host, --cell, --instance or --all");
  if (vm.count("driver-volume-type")) {
    r.driver_volume_type = vm["driver-volume-type"].as<std::string>();
    BASE_TRY(CheckNames({*r.driver_volume_type}, "driver-volume-type"));
  }
  if (vm.count("expect-monitors")) {
    std::vector<std::string> hosts;
    const std::string text = vm["expect-monitors"].as<std::string>();
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = text.find(',', start);
      hosts.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    BASE_TRY(CheckNames(hosts, "expect-monitors"));
    r.expect_monitors = std::move(hosts);
  }
  r.json = vm.count("json") > 0;
  return r;
}

int CinderExit(const base::Status& error) {
  return error.code() == base::Code::kInvalidInput ? exit_code::kConfig : exit_code::kRefreshCinderUnavailable;
}

}  // namespace

int RunAudit(const std::vector<std::string>& args, const CommandEnv& env) {
  const po::options_description options = AuditOptions();
  auto parsed = ParseCommand("audit", kUsage, args, options, "", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  auto request = ParseAudit(std::get<po::variables_map>(parsed));
  if (!request.ok()) return UsageError("audit", request.error().message(), env);

  auto session = OpenNovaSession(env);
  if (!session.ok()) {
    env.log.Error(session.error().message());
    return exit_code::kConfig;
  }
  auto all_cells = session->nova_db->ListCellMappings();
  if (!all_cells.ok()) {
    env.log.Error(all_cells.error().message());
    return exit_code::ForDatabase(all_cells.error(), /*api=*/true);
  }
  auto cells = fleet::SelectCells(*all_cells, request->cells);
  if (!cells.ok()) return UsageError("audit", cells.error().message(), env);
  auto nova = fleet::ReadNovaSide(*session->nova_db, *cells, request->filter, request->driver_volume_type);
  if (!nova.ok()) {
    env.log.Error(nova.error().message());
    return exit_code::ForDatabase(nova.error(), /*api=*/false);
  }

  std::mt19937_64 rng(std::random_device{}());
  const proto_compat::RequestContext context = proto_compat::MakeAdminContext(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()), rng);
  auto api = cinder::ConnectCinder(session->conf, cinder::CinderSession::ForContext(context));
  if (!api.ok()) {
    env.log.Error(api.error().message());
    return CinderExit(api.error());
  }
  auto cinder_side = fleet::ReadCinderSide(**api);
  if (!cinder_side.ok()) {
    env.log.Error(cinder_side.error().message());
    return CinderExit(cinder_side.error());
  }
  env.log.Debug("audit: " + std::to_string(nova->bdms.size()) + " volume BDM(s) of " +
                std::to_string(nova->instances.size()) + " instance(s) in " + std::to_string(cells->size()) +
                " cell(s); Cinder: " + std::to_string(cinder_side->attachments.size()) + " attachment(s), " +
                std::to_string(cinder_side->volumes.size()) + " volume(s) in " +
                std::to_string(cinder_side->requests) + " request(s), request id " + context.request_id);

  fleet::AuditInput input{std::move(nova->bdms), std::move(nova->instances), std::move(cinder_side->attachments),
                          std::move(cinder_side->volumes), request->expect_monitors};
  const fleet::AuditReport report = fleet::ClassifyAudit(input);
  const std::string text = request->json ? fleet::FormatAuditJsonLines(report) : fleet::FormatAuditTable(report);
  std::fputs(text.c_str(), env.out);
  return report.AllOk() ? exit_code::kOk : exit_code::kAuditNotOk;
}

}  // namespace agent::commands

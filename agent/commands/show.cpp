#include "agent/commands/show.h"

#include "agent/commands/bdm_format.h"
#include "agent/commands/cli.h"
#include "agent/commands/nova_session.h"
#include "agent/db/bdm_locator.h"
#include "agent/exit_codes.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "show [options] BDM_UUID\n"
    "       bdm-agent show [options] --instance INSTANCE_UUID --volume VOLUME_ID\n"
    "       bdm-agent show [options] INSTANCE_UUID VOLUME_ID";

struct ShowRequest {
  std::string bdm_uuid;
  std::string instance_uuid;
  std::string volume_id;
  bool json = false;
  bool connection_info = false;
  ShowSecrets secrets = ShowSecrets::kNo;
};

po::options_description ShowOptions() {
  po::options_description options("show options");
  options.add_options()
      ("instance", po::value<std::string>(), "instance UUID (with --volume)")
      ("volume", po::value<std::string>(), "volume ID (with --instance)")
      ("json", "print JSON instead of a table")
      ("connection-info", "print only the connection_info")
      ("connection_info", "same as --connection-info (nova-manage's spelling)")
      ("show-secrets", "print passwords, keyrings and tokens in clear")
      ("help,h", "print this help");
  options.add_options()("args", po::value<std::vector<std::string>>()->composing(), "positional");
  return options;
}

base::Result<ShowRequest> ParseShow(const po::variables_map& vm) {
  ShowRequest r;
  const auto positional =
      vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>();
  BASE_TRY_ASSIGN(BdmSelection selection, ParseBdmSelection(vm, positional));
  r.bdm_uuid = std::move(selection.bdm_uuid);
  r.instance_uuid = std::move(selection.instance_uuid);
  r.volume_id = std::move(selection.volume_id);
  r.json = vm.count("json") > 0;
  r.connection_info = vm.count("connection-info") > 0 || vm.count("connection_info") > 0;
  r.secrets = vm.count("show-secrets") ? ShowSecrets::kYes : ShowSecrets::kNo;
  return r;
}

base::Result<std::string> Render(const db::BlockDeviceMapping& bdm, const ShowRequest& r) {
  if (r.connection_info) {
    return r.json ? FormatConnectionInfoJson(bdm, r.secrets) : FormatConnectionInfoTable(bdm, r.secrets);
  }
  return r.json ? FormatBdmJson(bdm, r.secrets) : FormatBdmTable(bdm, r.secrets);
}

}  // namespace

int RunShow(const std::vector<std::string>& args, const CommandEnv& env) {
  const po::options_description options = ShowOptions();
  auto parsed = ParseCommand("show", kUsage, args, options, "args", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const po::variables_map& vm = std::get<po::variables_map>(parsed);
  auto request = ParseShow(vm);
  if (!request.ok()) return UsageError("show", request.error().message(), env);

  auto session = OpenNovaSession(env);
  if (!session.ok()) {
    env.log.Error(session.error().message());
    return exit_code::kConfig;
  }
  db::NovaDatabase& nova_db = *session->nova_db;
  db::LocateResult found = request->bdm_uuid.empty()
                               ? db::LocateVolumeBdm(nova_db, request->instance_uuid, request->volume_id, env.log)
                               : db::LocateBdmByUuid(nova_db, request->bdm_uuid, env.log);
  if (!found.ok()) {
    env.log.Error(found.status().message());
    return exit_code::ForLocate(found.failure(), found.status(), exit_code::kShowInstanceNotFound,
                                exit_code::kShowBdmNotFound);
  }
  const db::BlockDeviceMapping& bdm = found.value().bdm;
  if (!bdm.uuid) {
    env.log.Warning("block device mapping id " + std::to_string(bdm.id) +
                    " has no uuid (a legacy row; Nova assigns one the next time it loads it)");
  }
  auto text = Render(bdm, *request);
  if (!text.ok()) {
    env.log.Error(text.error().message());
    switch (text.error().code()) {
      case base::Code::kCorrupt: return exit_code::kCorruptData;
      case base::Code::kFailedPrecondition: return exit_code::kNoConnectionInfo;
      default: return exit_code::kUnexpected;
    }
  }
  std::fputs(text->c_str(), env.out);
  return exit_code::kOk;
}

}  // namespace agent::commands

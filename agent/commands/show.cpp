#include "agent/commands/show.h"

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
  BdmSelection selection;
  ShowFormat format;
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
  BASE_TRY_ASSIGN(r.selection, ParseBdmSelection(vm, positional));
  r.format.json = vm.count("json") > 0;
  r.format.connection_info_only = vm.count("connection-info") > 0 || vm.count("connection_info") > 0;
  r.format.secrets = vm.count("show-secrets") ? ShowSecrets::kYes : ShowSecrets::kNo;
  return r;
}

base::Result<std::string> Render(const db::BlockDeviceMapping& bdm, const ShowFormat& f) {
  if (f.connection_info_only) {
    return f.json ? FormatConnectionInfoJson(bdm, f.secrets) : FormatConnectionInfoTable(bdm, f.secrets);
  }
  return f.json ? FormatBdmJson(bdm, f.secrets) : FormatBdmTable(bdm, f.secrets);
}

}  // namespace

ShowEnding ShowBdm(db::NovaDatabase& nova_db, const BdmSelection& selection, const ShowFormat& format,
                   const Log& log) {
  db::LocateResult found = selection.bdm_uuid.empty()
                               ? db::LocateVolumeBdm(nova_db, selection.instance_uuid, selection.volume_id, log)
                               : db::LocateBdmByUuid(nova_db, selection.bdm_uuid, log);
  if (!found.ok()) {
    return {exit_code::ForLocate(found.failure(), found.status(), exit_code::kShowInstanceNotFound,
                                 exit_code::kShowBdmNotFound),
            found.status().message(), ""};
  }
  const db::BlockDeviceMapping& bdm = found.value().bdm;
  if (!bdm.uuid) {
    log.Warning("block device mapping id " + std::to_string(bdm.id) +
                " has no uuid (a legacy row; Nova assigns one the next time it loads it)");
  }
  auto text = Render(bdm, format);
  if (!text.ok()) {
    switch (text.error().code()) {
      case base::Code::kCorrupt: return {exit_code::kCorruptData, text.error().message(), ""};
      case base::Code::kFailedPrecondition: return {exit_code::kNoConnectionInfo, text.error().message(), ""};
      default: return {exit_code::kUnexpected, text.error().message(), ""};
    }
  }
  return {exit_code::kOk, "", std::move(*text)};
}

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
  const ShowEnding ending = ShowBdm(*session->nova_db, request->selection, request->format, env.log);
  if (ending.code != exit_code::kOk) {
    env.log.Error(ending.error);
    return ending.code;
  }
  std::fputs(ending.text.c_str(), env.out);
  return exit_code::kOk;
}

}  // namespace agent::commands

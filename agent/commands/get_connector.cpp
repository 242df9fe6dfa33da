#include "agent/commands/get_connector.h"

#include <unistd.h>

#include "agent/commands/cli.h"
#include "agent/commands/connector_format.h"
#include "agent/exit_codes.h"
#include "agent/host/host_probe.h"
#include "agent/host/my_ip.h"

namespace agent::commands {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage = "get-connector [--json]";
constexpr const char* kMyIpSource = "(Nova's default my_ip)";

po::options_description GetConnectorOptions() {
  po::options_description options("get-connector options");
  options.add_options()
      ("json", "print one line of JSON (as nova-manage's --json) instead of a table")
      ("help,h", "print this help");
  return options;
}

}  // namespace

base::Result<config::NovaConfig> LoadConfigWithMyIp(const config::ConfigSources& sources,
                                                    const std::string& computed_my_ip) {
  BASE_TRY_ASSIGN(std::vector<std::string> files, config::ListConfigFiles(sources));
  config::IniValues values;
  // The oldest "file", so that any real file's my_ip wins.
  values.AddFile(kMyIpSource, {{"DEFAULT", "my_ip", computed_my_ip, 0}});
  for (std::string& path : files) {
    BASE_TRY_ASSIGN(std::vector<config::IniEntry> entries, config::ReadIniFile(path));
    values.AddFile(std::move(path), entries);
  }
  char hostname[256] = {};
  if (gethostname(hostname, sizeof(hostname) - 1) != 0) return base::Status::Internal("gethostname() failed");
  return config::BuildNovaConfig(std::move(values), hostname);
}

base::Result<host::ConnectorProperties> LocalConnector(const config::NovaConfig& conf, const host::HostPaths& paths,
                                             const Log& log) {
  host::ConnectorRequest request;
  request.ip = conf.my_block_storage_ip.value_or("");
  request.host = conf.host;
  request.multipath = conf.libvirt_volume_use_multipath;
  log.Debug("connector for ip " + request.ip + ", host '" + request.host + "', multipath " +
            (request.multipath ? "requested" : "not requested"));
  const host::HostFacts facts = host::ProbeHost(request, paths, log);
  return host::AssembleConnector(request, facts);
}

int RunGetConnector(const std::vector<std::string>& args, const CommandEnv& env) {
  const po::options_description options = GetConnectorOptions();
  auto parsed = ParseCommand("get-connector", kUsage, args, options, "", env);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const po::variables_map& vm = std::get<po::variables_map>(parsed);

  const host::HostPaths paths;
  auto conf = LoadConfigWithMyIp(env.global.config, host::NovaDefaultMyIp(paths));
  if (!conf.ok()) {
    env.log.Error(conf.error().message());
    return exit_code::kConfig;
  }
  auto connector = LocalConnector(*conf, paths, env.log);
  if (!connector.ok()) {
    env.log.Error(connector.error().message());
    return exit_code::kUnexpected;
  }
  if (vm.count("json")) {
    auto json = FormatConnectorJson(*connector);
    if (!json.ok()) {
      env.log.Error("the connector cannot be written as JSON: " + json.error().message());
      return exit_code::kUnexpected;
    }
    std::fputs(json->c_str(), env.out);
  } else {
    std::fputs(FormatConnectorTable(*connector).c_str(), env.out);
  }
  return exit_code::kOk;
}

}  // namespace agent::commands

// `bdm-agent get-connector`: prints the os-brick connector of the host it
// runs on, as `nova-manage volume_attachment get_connector` does (same keys,
// order and values; agent/host/connector_properties.h), for use as the
// connector of a refresh. Reads the nova.conf options [DEFAULT] host, my_ip,
// my_block_storage_ip and [libvirt] volume_use_multipath; no database, no
// broker, no Cinder. Writes nothing, except /etc/nvme/hostnqn when it is
// missing and the nvme CLI can make one (as os-brick does).
//
// Exit codes: 0 printed; 1 multipath is requested but multipathd is not
// running (os-brick raises, nova-manage exits 1 too) or the connector cannot
// be printed; 20 (config) as the other commands; 64 bad command line.
#pragma once

#include <string>
#include <vector>

#include "agent/command_env.h"
#include "agent/config/nova_config.h"
#include "agent/host/connector_properties.h"
#include "agent/host/host_files.h"
#include "base/result.h"

namespace agent::commands {

int RunGetConnector(const std::vector<std::string>& args, const CommandEnv& env);

// The config as Nova sees it on this host: `sources` read with
// `computed_my_ip` as the default of [DEFAULT] my_ip (Nova computes that
// default at start-up, so "$my_ip" resolves to it too). Errors as
// config::LoadNovaConfig.
base::Result<config::NovaConfig> LoadConfigWithMyIp(const config::ConfigSources& sources,
                                                    const std::string& computed_my_ip);

// This host's connector from `conf` (LoadConfigWithMyIp's): what
// get-connector prints, also for `serve`'s get_connector endpoint. Fails
// (the command's exit 1) when multipath is requested but multipathd is not
// running, or the host's facts cannot make a connector.
base::Result<host::ConnectorProperties> LocalConnector(const config::NovaConfig& conf, const host::HostPaths& paths,
                                             const Log& log);

}  // namespace agent::commands

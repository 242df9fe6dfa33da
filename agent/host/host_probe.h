// Gathers HostFacts (connector_properties.h) from this host the way os-brick
// 6.1 does, running the same tools (no shell; looked up in PATH):
//   multipathd show status             only when multipath is requested;
//                                      running = exit 0 and stdout not
//                                      starting "error receiving packet"
//   findmnt / -n -o SOURCE, then blkid <source> -s UUID -o value
//                                      root fs uuid (first line of each)
//   dmidecode -ssystem-uuid            only when product_uuid is unreadable
//   nvme version                       nvme CLI present = exit 0
// and reading the files of host_files.h below `paths.root`.
//
// Side effect, as in os-brick (privileged/nvmeof.py create_hostnqn): when
// /etc/nvme/hostnqn cannot be read, the NQN of `nvme show-hostnqn` (else
// `nvme gen-hostnqn`) is written there (mode 0644) so that the NQN printed
// is the one the host keeps using. Without the nvme CLI nothing is written.
//
// Differences from os-brick 6.1, both where it would crash: a missing
// dmidecode (with product_uuid unreadable) gives no "system uuid" and a
// warning, where os-brick raises and nova-manage exits 1; the LightOS
// discovery check gives up after 5 s. Run as root, as nova-manage is:
// otherwise blkid, dmidecode and multipathd may not answer.
#pragma once

#include <string>
#include <string_view>

#include "agent/host/connector_properties.h"
#include "agent/host/host_files.h"
#include "agent/log.h"

namespace agent::host {

// Never fails: what cannot be probed is absent (and logged under --debug).
HostFacts ProbeHost(const ConnectorRequest& request, const HostPaths& paths, const Log& log);

// os-brick's utils.get_host_nqn: /etc/nvme/hostnqn stripped; when it cannot
// be read, create it from the nvme CLI as described above. "" when there is
// no NQN.
std::string GetHostNqn(const HostPaths& paths, const Log& log);

// Whether a failed `nvme show-hostnqn` (exit code and stdout) lets os-brick
// go on to `nvme gen-hostnqn`: an old CLI ("Invalid sub-command", any case,
// on stdout's first line) or exit code 2 (ENOENT: no NQN from DMI/systemd).
bool ShowHostNqnFailureAllowsGenerate(int exit_code, std::string_view out);

}  // namespace agent::host

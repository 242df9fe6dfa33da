// The os-brick connector of this host: the dict that
// os_brick.initiator.connector.get_connector_properties returns when Nova
// calls it (nova-manage volume_attachment get_connector and the libvirt
// driver's get_volume_connector), rebuilt natively from HostFacts.
//
// The behaviour is that of os-brick 6.1 (python3-os-brick 6.1.0, Debian 12,
// Nova 26 Zed), the version installed beside the Nova that bdm-agent serves:
// * base keys: platform (uname machine), os_type ("linux"), ip, host (the
//   request's host, else the system hostname);
// * then each Linux connector in os-brick's unix_connector_list order merges
//   its keys (a key already present keeps its position and takes the new
//   value, as dict.update does):
//     BaseLinuxConnector  multipath: requested AND multipathd answers;
//                         requested + enforce + not running is an error
//     ISCSIConnector      initiator, when non-empty
//     FibreChannel*       wwpns, wwnns, when non-empty (the s390x/ppc64
//                         variants give the same keys and values)
//     RBDConnector        do_local_attach = false
//     NVMeOFConnector     uuid (root fs), "system uuid" (note the space),
//                         nqn (only when the nvme CLI runs), each when
//                         non-empty; nvme_native_multipath always
//     LightOSConnector    nqn and found_dsc ("found" or ""), when a host
//                         NQN exists
//   RemoteFs, Local, GPFS, Huawei, ScaleIO, Vmdk and StorPool add nothing.
// 6.1 sends no enforce_multipath key and no nvme_hostid (later os-brick
// versions do). Values are strings, booleans or lists of strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace agent::host {

using ConnectorValue = std::variant<bool, std::string, std::vector<std::string>>;

struct ConnectorProperty {
  std::string key;
  ConnectorValue value;
};

// An insertion-ordered dict, as Python's.
class ConnectorProperties {
 public:
  // Appends `key`, or replaces its value in place when it is already there.
  void Set(std::string_view key, ConnectorValue value);
  const ConnectorValue* Find(std::string_view key) const;
  const std::vector<ConnectorProperty>& items() const { return items_; }

 private:
  std::vector<ConnectorProperty> items_;
};

// Nova's arguments to get_connector_properties.
struct ConnectorRequest {
  std::string ip;    // [DEFAULT] my_block_storage_ip as Nova resolves it
  std::string host;  // [DEFAULT] host; empty means the system hostname
  bool multipath = false;         // [libvirt] volume_use_multipath
  bool enforce_multipath = true;  // Nova always passes true
};

// What the host told the probes (host_probe.h); the inputs of the connectors.
struct HostFacts {
  std::string machine;   // uname -m, e.g. "x86_64"
  std::string hostname;  // gethostname()
  bool multipathd_running = false;  // probed only when multipath is requested
  std::string multipathd_detail;    // why it is not running, for the error
  std::optional<std::string> initiator;
  std::vector<std::string> wwpns, wwnns;
  std::optional<std::string> root_fs_uuid;
  std::string system_uuid;
  bool nvme_cli_present = false;
  std::string host_nqn;
  bool nvme_native_multipath = false;
  bool dsc_found = false;  // asked only when host_nqn is non-empty
};

// os-brick's dict for `request` on a host with `facts`. kFailedPrecondition
// when multipath is requested and enforced but multipathd is not running
// (os-brick raises; nova-manage then exits 1). Pure.
base::Result<ConnectorProperties> AssembleConnector(const ConnectorRequest& request, const HostFacts& facts);

}  // namespace agent::host

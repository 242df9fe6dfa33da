#include "agent/host/connector_properties.h"

#include <algorithm>

namespace agent::host {

void ConnectorProperties::Set(std::string_view key, ConnectorValue value) {
  auto it = std::find_if(items_.begin(), items_.end(), [&](const ConnectorProperty& p) { return p.key == key; });
  if (it != items_.end()) {
    it->value = std::move(value);
  } else {
    items_.push_back({std::string(key), std::move(value)});
  }
}

const ConnectorValue* ConnectorProperties::Find(std::string_view key) const {
  auto it = std::find_if(items_.begin(), items_.end(), [&](const ConnectorProperty& p) { return p.key == key; });
  return it == items_.end() ? nullptr : &it->value;
}

base::Result<ConnectorProperties> AssembleConnector(const ConnectorRequest& request, const HostFacts& facts) {
  ConnectorProperties props;
  props.Set("platform", facts.machine);
  props.Set("os_type", std::string("linux"));
  props.Set("ip", request.ip);
  props.Set("host", request.host.empty() ? facts.hostname : request.host);

  // BaseLinuxConnector
  if (request.multipath && !facts.multipathd_running && request.enforce_multipath) {
    return base::Status::FailedPrecondition(
        "multipath is requested ([libvirt] volume_use_multipath) but multipathd is not running: " +
        facts.multipathd_detail);
  }
  props.Set("multipath", request.multipath && facts.multipathd_running);
  // ISCSIConnector
  if (facts.initiator && !facts.initiator->empty()) props.Set("initiator", *facts.initiator);
  // FibreChannelConnector (and its s390x/ppc64 variants: same keys, same values)
  if (!facts.wwpns.empty()) props.Set("wwpns", facts.wwpns);
  if (!facts.wwnns.empty()) props.Set("wwnns", facts.wwnns);
  // RBDConnector
  props.Set("do_local_attach", false);
  // NVMeOFConnector
  if (facts.root_fs_uuid && !facts.root_fs_uuid->empty()) props.Set("uuid", *facts.root_fs_uuid);
  if (!facts.system_uuid.empty()) props.Set("system uuid", facts.system_uuid);
  if (facts.nvme_cli_present && !facts.host_nqn.empty()) props.Set("nqn", facts.host_nqn);
  props.Set("nvme_native_multipath", facts.nvme_native_multipath);
  // LightOSConnector
  if (!facts.host_nqn.empty()) {
    props.Set("nqn", facts.host_nqn);
    props.Set("found_dsc", std::string(facts.dsc_found ? "found" : ""));
  }
  return props;
}

}  // namespace agent::host

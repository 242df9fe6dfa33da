#include "agent/refresh/prerequisites.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace agent::refresh {
namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string InvalidState(std::string_view uuid, std::string_view attr, std::string_view state,
                         std::string_view must) {
  return "Instance " + std::string(uuid) + " in " + std::string(attr) + " " + std::string(state) +
         ". Cannot refresh connection_info (must be " + std::string(must) + ") while the instance is in this state.";
}

}  // namespace

bool IsLibvirtHypervisorType(std::string_view type) {
  static constexpr std::array<std::string_view, 7> kLibvirtTypes = {"QEMU", "KVM", "LXC", "Xen", "UML", "Parallels",
                                                                   "vz"};
  return std::any_of(kLibvirtTypes.begin(), kLibvirtTypes.end(),
                     [&](std::string_view known) { return EqualsIgnoringCase(known, type); });
}

std::string LockReason(std::string_view bdm_uuid, std::string_view instance_uuid, std::string_view volume_id) {
  return "Refreshing connection_info for BDM " + std::string(bdm_uuid) + " associated with instance " +
         std::string(instance_uuid) + " and volume " + std::string(volume_id) + ".";
}

std::optional<CheckError> CheckRefreshPrerequisites(const RefreshFacts& facts) {
  const db::InstanceSummary& instance = facts.instance;
  if (!facts.bdm.IsVolume()) {
    return CheckError{CheckFailure::kNotVolumeBdm,
                      "block device mapping " + facts.bdm.uuid.value_or(std::to_string(facts.bdm.id)) +
                          " is not an attached volume (destination_type " +
                          facts.bdm.destination_type.value_or("NULL") + ")"};
  }
  const std::string vm_state = instance.vm_state.value_or("None");
  if (vm_state != "stopped") {
    return CheckError{CheckFailure::kNotStopped, InvalidState(instance.uuid, "vm_state", vm_state, "stopped")};
  }
  if (instance.task_state) {
    return CheckError{CheckFailure::kTaskInProgress,
                      InvalidState(instance.uuid, "task_state", *instance.task_state, "without a task in progress")};
  }
  if (instance.locked) {
    return CheckError{CheckFailure::kLocked, InvalidState(instance.uuid, "locked", "True", "unlocked")};
  }
  if (!instance.host || instance.host->empty()) {
    return CheckError{CheckFailure::kNoHost, "Instance " + instance.uuid +
                                                 " has no compute host: there is no volume connection to refresh"};
  }
  const std::string type = facts.hypervisor_type.value_or("");
  const bool allowed = IsLibvirtHypervisorType(type) ||
                       std::any_of(facts.allowed_hypervisor_types.begin(), facts.allowed_hypervisor_types.end(),
                                   [&](const std::string& extra) { return EqualsIgnoringCase(extra, type); });
  if (!allowed) {
    return CheckError{CheckFailure::kNotLibvirt,
                      "the compute node " + *instance.host + "/" + instance.node.value_or("?") + " of instance " +
                          instance.uuid + " is not a libvirt node (hypervisor_type " +
                          (type.empty() ? std::string("unknown") : "'" + type + "'") +
                          "); see --allow-hypervisor-type"};
  }
  if (facts.connector_host != *instance.host) {
    return CheckError{CheckFailure::kHostConflict,
                      "The command 'nova-manage volume_attachment get_connector' may have been run on the wrong "
                      "compute host. Or the instance host may be wrong and in need of repair. The compute host '" +
                          std::string(facts.connector_host) + "' in the connector does not match the instance host '" +
                          *instance.host + "'."};
  }
  return std::nullopt;
}

}  // namespace agent::refresh
